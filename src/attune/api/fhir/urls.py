from django.urls import path

from attune.api.fhir import views

app_name = "fhir"

urlpatterns = [
    path("metadata", views.metadata, name="metadata"),
    path("$export", views.export_kickoff, name="export"),
    path("$export-status/<id:job_id>", views.export_status, name="export-status"),
    path("$export-files/<id:job_id>/<slug:kind>.ndjson", views.export_file, name="export-file"),
    path("Questionnaire", views.questionnaire_search, name="questionnaire-search"),
    path(
        "Questionnaire/<slug:questionnaire_id>",
        views.questionnaire_read,
        name="questionnaire",
    ),
    path(
        "QuestionnaireResponse",
        views.questionnaire_response_type,
        name="questionnaireresponse-type",
    ),
    path(
        "QuestionnaireResponse/<id:response_id>",
        views.questionnaire_response_read,
        name="questionnaireresponse",
    ),
    path("Observation", views.observation_search, name="observation-search"),
    path("Observation/<id:response_id>-<slug:part>", views.observation_read, name="observation"),
    path("Patient", views.patient_search, name="patient-search"),
    path("Patient/<id:client_id>", views.patient_read, name="patient"),
    path("Practitioner/<id:practitioner_id>", views.practitioner_read, name="practitioner"),
]
