from django.urls import path

from attune.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("sessions/<int:session_id>/check-in/", views.check_in, name="check-in"),
    path("sessions/<int:session_id>/feedback/", views.feedback, name="feedback"),
    path("sessions/<int:session_id>/fit-check/", views.fit_check, name="fit-check"),
    path("episodes/<int:episode_id>/exit-feedback/", views.exit_feedback, name="exit-feedback"),
    path("episodes/<int:episode_id>/exit-feedback/thanks/", views.exit_thanks, name="exit-thanks"),
    path("sessions/<int:session_id>/<str:phase>/thanks/", views.thanks, name="thanks"),
]
