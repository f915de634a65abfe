from django.urls import path

from attune.api import views

app_name = "api-tokens"

urlpatterns = [
    path("", views.token_list, name="list"),
    path("<id:token_id>/revoke/", views.token_revoke, name="revoke"),
    path("calendar/", views.calendar_create, name="calendar"),
    path("calendar/<id:feed_id>/revoke/", views.calendar_revoke, name="calendar-revoke"),
]
