from django.urls import path

from attune.matching import views

app_name = "matching"
urlpatterns = [
    path("match/", views.find_match, name="find"),
    path("match/consultation/<int:therapist_id>/", views.consult, name="consult"),
    path("match/consultation/sent/", views.consult_sent, name="consult-sent"),
    path("consultations/", views.inbox, name="inbox"),
    path("consultations/<int:request_id>/", views.request_detail, name="request"),
    path("consultations/<int:request_id>/accept/", views.accept, name="accept"),
    path("consultations/<int:request_id>/decline/", views.decline, name="decline"),
]
