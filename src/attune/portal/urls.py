from django.urls import path

from attune.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("sessions/<id:session_id>/check-in/", views.check_in, name="check-in"),
    path("sessions/<id:session_id>/feedback/", views.feedback, name="feedback"),
    path("sessions/<id:session_id>/fit-check/", views.fit_check, name="fit-check"),
    path("episodes/<id:episode_id>/exit-feedback/", views.exit_feedback, name="exit-feedback"),
    path("episodes/<id:episode_id>/exit-feedback/thanks/", views.exit_thanks, name="exit-thanks"),
    path("sessions/<id:session_id>/<str:phase>/thanks/", views.thanks, name="thanks"),
    path("goals/", views.goals, name="goals"),
    path("goals/<id:goal_id>/rating/", views.rate_goal, name="goal-rating"),
    path("therapist/", views.therapist, name="therapist"),
    path("composer/", views.composer_page, name="composer"),
    path("composer/<id:message_id>/", views.composer_message, name="composer-message"),
    path("ending/", views.ending, name="ending"),
    path("data/", views.my_data, name="data"),
    path("data/download.json", views.download_json, name="data-json"),
    path("data/download.csv", views.download_csv, name="data-csv"),
    path("data/deletion/", views.request_deletion, name="data-deletion"),
]
