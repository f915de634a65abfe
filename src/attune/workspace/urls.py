from django.urls import path

from attune.supervision import views as supervision_views
from attune.workspace import new_clients, report, views

app_name = "workspace"
urlpatterns = [
    path("caseload/", views.my_caseload, name="caseload"),
    path("therapists/<id:therapist_id>/caseload/", views.caseload_of, name="caseload-of"),
    path("past-clients/", views.my_past_clients, name="past-clients"),
    path("settings/new-clients/", new_clients.new_clients, name="new-clients"),
    path(
        "therapists/<id:therapist_id>/past-clients/",
        views.past_clients_of,
        name="past-clients-of",
    ),
    path("supervision/", supervision_views.home, name="supervision"),
    path("practice/", views.practice, name="practice"),
    path("episodes/<id:episode_id>/", views.episode, name="episode"),
    path("episodes/<id:episode_id>/report/", report.progress_report, name="report"),
    path("responses/<id:response_id>/", views.response, name="response"),
    path("alerts/<id:alert_id>/acknowledge/", views.alert_acknowledge, name="alert-acknowledge"),
    path("alerts/<id:alert_id>/action/", views.alert_action, name="alert-action"),
    path("alerts/<id:alert_id>/close/", views.alert_close, name="alert-close"),
]
