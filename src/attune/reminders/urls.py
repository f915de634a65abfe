from django.urls import path

from attune.reminders import views

app_name = "reminders"
urlpatterns = [
    path("f/<str:token>/", views.form_link, name="form-link"),
    path("reminders/not-completed/", views.not_completed, name="not-completed"),
    path("reminders/<id:delivery_id>/resend/", views.resend, name="resend"),
    path(
        "reminders/sessions/<id:session_id>/<str:phase>/send-now/",
        views.send_now,
        name="send-now",
    ),
]
