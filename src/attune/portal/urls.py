from django.urls import path

from attune.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("sessions/<int:session_id>/check-in/", views.check_in, name="check-in"),
    path("sessions/<int:session_id>/feedback/", views.feedback, name="feedback"),
    path("sessions/<int:session_id>/<str:phase>/thanks/", views.thanks, name="thanks"),
]
