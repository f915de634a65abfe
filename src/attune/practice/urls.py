from django.urls import path

from attune.practice import views

app_name = "practice"
urlpatterns = [
    path("settings/new-clients/", views.new_clients, name="new-clients"),
]
