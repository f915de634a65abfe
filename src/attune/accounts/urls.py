"""Sign-in, sign-out, password reset and MFA under /accounts/ (django-allauth).

Kept from before allauth: the URL names ``login``, ``logout`` and ``password_reset`` (aliases of
allauth's pages), and Django's one-time "choose a password" link that client invitations send
(``password_reset_confirm``, see attune.practice.invitations)."""

from allauth.account import views as allauth_views
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("", include("allauth.urls")),
    # Older names and addresses, for links and bookmarks made before allauth.
    path("login/", allauth_views.login, name="login"),
    path("logout/", allauth_views.logout, name="logout"),
    path("password/reset/", allauth_views.password_reset, name="password_reset"),
    path("password_reset/", RedirectView.as_view(pattern_name="account_reset_password")),
]
