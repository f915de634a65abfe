from django.urls import path

from attune.matching import views

app_name = "matching"
urlpatterns = [
    path("match/", views.find_match, name="find"),
    path("match/results/", views.match_results, name="results"),
    path("match/consultation/<id:therapist_id>/", views.consult, name="consult"),
    path("match/consultation/sent/", views.consult_sent, name="consult-sent"),
    path("consultations/", views.inbox, name="inbox"),
    path("consultations/<id:request_id>/", views.request_detail, name="request"),
    path("consultations/<id:request_id>/offer/", views.offer, name="offer"),
    path("consultations/<id:request_id>/message/", views.write, name="message"),
    path("consultations/<id:request_id>/held/", views.held, name="held"),
    path("consultations/<id:request_id>/take-on/", views.take_on, name="take-on"),
    path("consultations/<id:request_id>/decline/", views.decline, name="decline"),
    # The person asking: a private link, no account (see consultations.find_link). Under /f/
    # like the form links: the log filter (reminders.redaction) masks the token after /f/, and
    # the superuser walk knows /f/ pages as public.
    path("f/<str:token>/consultation/", views.person, name="person"),
]
