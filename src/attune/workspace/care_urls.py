from django.urls import path

from attune.workspace import episode_actions as views
from attune.workspace import intake_views

# The therapist's actions on an episode and adding clients: pages of the workspace, under the
# care: namespace their addresses and names have always had.
app_name = "care"
urlpatterns = [
    path("sessions/<id:session_id>/record/", views.record_session, name="session-record"),
    path("episodes/<id:episode_id>/sessions/new/", views.schedule_session, name="session-new"),
    path("episodes/<id:episode_id>/fit-check/", views.fit_check, name="fit-check"),
    path("episodes/<id:episode_id>/refer/", views.refer, name="refer"),
    path(
        "episodes/<id:episode_id>/before-referral/",
        views.before_referral,
        name="before-referral",
    ),
    path("episodes/<id:episode_id>/end/", views.end_episode, name="end"),
    # Adding clients (care.intake)
    path("clients/add/", intake_views.invite, name="invite"),
    path(
        "clients/invitations/<id:episode_id>/resend/",
        intake_views.resend_invitation,
        name="invitation-resend",
    ),
    path("clients/<id:client_id>/new-episode/", intake_views.new_episode, name="new-episode"),
    # The practice administrator's, with her other pages under practice/.
    path("practice/invite/", intake_views.practice_invite, name="practice-invite"),
    path(
        "practice/invitations/<id:episode_id>/resend/",
        intake_views.practice_resend_invitation,
        name="practice-invitation-resend",
    ),
]
