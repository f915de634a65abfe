from django.urls import path

from attune.care import views

app_name = "care"
urlpatterns = [
    path("sessions/<int:session_id>/record/", views.record_session, name="session-record"),
    path("episodes/<int:episode_id>/sessions/new/", views.schedule_session, name="session-new"),
    path("episodes/<int:episode_id>/fit-check/", views.fit_check, name="fit-check"),
    path("episodes/<int:episode_id>/refer/", views.refer, name="refer"),
    path(
        "episodes/<int:episode_id>/before-referral/",
        views.before_referral,
        name="before-referral",
    ),
    path("episodes/<int:episode_id>/end/", views.end_episode, name="end"),
]
