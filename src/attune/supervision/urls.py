from django.urls import path

from attune.supervision import views

app_name = "supervision"
urlpatterns = [
    # The supervisor's home stays "workspace:supervision" (/supervision/, workspace.urls).
    path("supervision/therapists/<id:therapist_id>/", views.supervisee, name="supervisee"),
    path("supervision/episodes/<id:episode_id>/notes/", views.write_note, name="write-note"),
    path("supervision/notes/<id:note_id>/mark/", views.mark_note, name="mark-note"),
]
