from django.urls import path  # noqa: F401 - views are added per workflow

app_name = "care"
urlpatterns: list = []
