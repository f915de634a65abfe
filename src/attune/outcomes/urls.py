from django.urls import path

from attune.outcomes import views

app_name = "outcomes"
urlpatterns = [
    path("practice/outcomes/", views.practice_outcomes, name="practice"),
    path("practice/outcomes/export/", views.research_export, name="export"),
    path(
        "practice/outcomes/export/dictionary.csv",
        views.research_dictionary,
        name="export_dictionary",
    ),
]
