from django.urls import path

from attune.notes import views

app_name = "notes"
urlpatterns = [
    path("sessions/<id:session_id>/", views.note_for_session, name="session"),
    path("<id:note_id>/", views.note_detail, name="detail"),
]
