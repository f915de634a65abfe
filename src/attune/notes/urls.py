from django.urls import path

from attune.notes import views

app_name = "notes"
urlpatterns = [
    path("sessions/<int:session_id>/", views.note_for_session, name="session"),
    path("<int:note_id>/", views.note_detail, name="detail"),
]
