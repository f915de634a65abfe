from django.urls import path

from attune.outcomes import views

app_name = "outcomes"
urlpatterns = [
    path("practice/outcomes/", views.practice_outcomes, name="practice"),
]
