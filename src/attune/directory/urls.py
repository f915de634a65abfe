from django.urls import path

from attune.directory import views

app_name = "directory"
urlpatterns = [
    path("directory/", views.directory, name="directory"),
    path("directory/my-entry/", views.my_entry, name="my-entry"),
    path("directory/<id:pk>/", views.therapist, name="therapist"),
    path("directory/<id:pk>/photo/", views.therapist_photo, name="photo"),
    path("approaches/", views.approaches, name="approaches"),
    path("approaches/<slug:slug>/", views.approach, name="approach"),
    path("articles/", views.articles, name="articles"),
    path("articles/<slug:slug>/", views.article, name="article"),
]
