"""Two-step sign-in (allauth.mfa) is required for therapists, supervisors and practice
administrators: until they set up an authenticator app or a passkey they reach only the set-up
pages; then every sign-in asks for the code. Clients are not asked. Off only in demo mode."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.urls import reverse

from attune.accounts.models import Role, SignInEvent, SignInKind
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db

CLINICAL = ["therapist", "supervisor", "practice_admin", "superuser"]


@pytest.fixture(autouse=True)
def _mfa_required(settings):
    settings.ATTUNE_REQUIRE_MFA = True  # the default everywhere but the demo


@pytest.fixture
def superuser(practice):
    return make_user(
        practice, "root.super@example.org", Role.PRACTICE_ADMIN, is_staff=True, is_superuser=True
    )


def sign_in(client, user, password=PASSWORD):
    return client.post(
        reverse("account_login"), {"login": user.email, "password": password}, follow=True
    )


def open_totp_set_up(client):
    """allauth asks for the password again before a second factor is added (reauthentication)."""
    response = client.get(reverse("mfa_activate_totp"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account_reauthenticate"))
    response = client.post(response.redirect_chain[-1][0], {"password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("mfa_activate_totp")
    return response.context["form"].secret


def totp_code(secret: str) -> str:
    """The authenticator app's code now — or, in a step's last 5 seconds, the next step's code
    once it has begun: a code made at 29.9 s is stale by the time the server checks it (allauth
    accepts the current step only), which made this test fail now and then."""
    if time.time() % 30 > 25:
        time.sleep(30 - time.time() % 30 + 0.05)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.mark.parametrize("who", CLINICAL)
def test_a_clinical_user_without_mfa_reaches_only_the_set_up_page(request, client, who, episode):
    user = request.getfixturevalue(who)
    response = sign_in(client, user)
    assert response.redirect_chain[-1][0] == reverse("mfa_index")
    assert "Two-step sign-in is required for your role" in response.content.decode()
    for page in [
        reverse("home"),
        reverse("workspace:caseload"),
        reverse("workspace:supervision"),
        reverse("workspace:practice"),
        reverse("portal:home"),
        f"/episodes/{episode.pk}/",
        "/admin/",
        "/admin/accounts/user/",
        reverse("account_change_password"),
    ]:
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"] == reverse("mfa_index"), page
    assert open_totp_set_up(client)
    assert client.get(reverse("mfa_add_webauthn")).status_code == 200
    assert client.get(reverse("crisis-help")).status_code == 200
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


def test_a_client_is_not_asked_for_a_second_factor(client, client_user):
    response = sign_in(client, client_user)
    assert response.redirect_chain[-1][0] == reverse("portal:home")
    assert response.status_code == 200


def test_totp_set_up_then_sign_in_with_password_and_code(
    client, therapist, episode, django_capture_on_commit_callbacks
):
    sign_in(client, therapist)
    secret = open_totp_set_up(client)
    wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert wrong.status_code == 200 and not Authenticator.objects.filter(user=therapist).exists()
    with django_capture_on_commit_callbacks(execute=True):  # allauth signals after the commit
        response = client.post(
            reverse("mfa_activate_totp"), {"code": totp_code(secret)}, follow=True
        )
    assert response.status_code == 200
    assert Authenticator.objects.filter(user=therapist, type="totp").exists()
    # Recovery codes are made with the app and shown once, right after it.
    assert response.redirect_chain[-1][0] == reverse("mfa_view_recovery_codes")
    codes = Authenticator.objects.get(user=therapist, type="recovery_codes")
    unused = codes.wrap().get_unused_codes()
    assert unused and unused[0] in response.content.decode()
    again = client.get(reverse("mfa_view_recovery_codes"))
    assert unused[0] not in again.content.decode()
    assert client.get(reverse("workspace:caseload")).status_code == 200

    client.post(reverse("account_logout"))
    response = sign_in(client, therapist)
    assert response.redirect_chain[-1][0] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session  # the password alone signs nobody in
    refused = client.post(reverse("mfa_authenticate"), {"code": "123456"})
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("workspace:caseload")
    assert response.status_code == 200

    kinds = list(SignInEvent.objects.filter(user=therapist).values_list("kind", "detail"))
    assert (SignInKind.MFA_ADDED, "totp") in kinds
    assert (SignInKind.MFA_FAILED, "totp") in kinds
    assert (SignInKind.MFA_USED, "totp") in kinds
    assert kinds.count((SignInKind.SIGNED_IN, "")) == 2


def test_a_recovery_code_signs_in_once(client, therapist):
    sign_in(client, therapist)
    secret = open_totp_set_up(client)
    client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    code = Authenticator.objects.get(user=therapist, type="recovery_codes").wrap()
    code = code.get_unused_codes()[0]
    client.post(reverse("account_logout"))
    sign_in(client, therapist)
    response = client.post(reverse("mfa_authenticate"), {"code": code}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("workspace:caseload")
    client.post(reverse("account_logout"))
    sign_in(client, therapist)
    client.post(reverse("mfa_authenticate"), {"code": code})
    assert "_auth_user_id" not in client.session


def test_the_admin_login_goes_through_allauth(client, practice_admin):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    # Password alone: the administrator is sent to set up MFA, not into the admin.
    sign_in(client, practice_admin)
    assert client.get("/admin/")["Location"] == reverse("mfa_index")


def test_the_sign_in_page_says_nothing_about_demo_mode_when_mfa_is_on(client):
    assert 'data-testid="mfa-off"' not in client.get(reverse("account_login")).content.decode()


def test_demo_mode_sign_in_page_says_mfa_is_off_and_password_alone_works(
    client, settings, therapist, episode
):
    settings.ATTUNE_REQUIRE_MFA = False
    page = client.get(reverse("account_login")).content.decode()
    assert "Demo mode: two-step sign-in (MFA) is switched off" in page
    response = sign_in(client, therapist)
    assert response.redirect_chain[-1][0] == reverse("workspace:caseload")


def _setting(env: dict[str, str], name: str) -> str:
    run_env = {k: v for k, v in os.environ.items() if not k.startswith("ATTUNE_DEMO")}
    run_env.pop("ATTUNE_REQUIRE_MFA", None)
    run_env.update(env)
    code = f"import attune.settings as s; print(s.{name})"
    return subprocess.run(
        [sys.executable, "-c", code], env=run_env, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_mfa_is_required_by_default_and_off_only_in_demo_mode():
    assert _setting({}, "ATTUNE_REQUIRE_MFA") == "True"
    assert _setting({"ATTUNE_DEMO": "true"}, "ATTUNE_REQUIRE_MFA") == "False"


def test_attune_demo_runs_in_demo_mode(monkeypatch):
    from attune import cli

    environ = {k: v for k, v in os.environ.items() if k != "ATTUNE_DEMO"}
    monkeypatch.setattr(os, "environ", environ)  # the real environment stays as it was
    monkeypatch.setattr(
        "django.core.management.execute_from_command_line", lambda argv: None, raising=True
    )
    cli.main(["demo", "--no-serve"])
    assert environ["ATTUNE_DEMO"] == "true"


def test_the_admin_lists_authenticators_without_their_secrets(client, practice_admin, therapist):
    from allauth.mfa.totp.internal.auth import TOTP

    secret = "JBSWY3DPEHPK3PXP"
    totp = TOTP.activate(therapist, secret).instance
    practice_admin.is_superuser = True
    practice_admin.save()
    Authenticator.objects.create(user=practice_admin, type="totp", data={"secret": "X"})
    client.force_login(practice_admin)
    page = client.get(f"/admin/mfa/authenticator/{totp.pk}/change/")
    assert page.status_code == 200
    assert secret not in page.content.decode()
    listing = client.get("/admin/mfa/authenticator/")
    assert "Tara Therapist" in listing.content.decode()


def test_second_factor_secrets_are_encrypted_at_rest(client, therapist):
    """The database holds Fernet tokens, never the TOTP key or the recovery-code seed."""
    sign_in(client, therapist)
    secret = open_totp_set_up(client)
    client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    totp = Authenticator.objects.get(user=therapist, type="totp")
    codes = Authenticator.objects.get(user=therapist, type="recovery_codes")
    assert totp.data["secret"] != secret and totp.data["secret"].startswith("gAAAAA")
    assert codes.data["seed"].startswith("gAAAAA")
    stored = str(totp.data) + str(codes.data)
    assert secret not in stored
    assert all(code not in stored for code in codes.wrap().get_unused_codes())


def test_secrets_stored_in_the_clear_keep_working_and_rotation_seals_them(
    settings, client, therapist
):
    """A TOTP key written before encryption (plain base32) still signs in; `attune
    rotate-note-keys` encrypts it, and after a key rotation it opens with the new key only."""
    from cryptography.fernet import Fernet

    from tests.test_notes import call_command_output

    secret = "JBSWY3DPEHPK3PXP"
    Authenticator.objects.create(user=therapist, type="totp", data={"secret": secret})
    sign_in(client, therapist)
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("workspace:caseload")

    old, new = settings.ATTUNE_NOTES_KEYS[0], Fernet.generate_key().decode()
    out = call_command_output("rotate_note_keys")
    assert "Second factors: encrypted 1 with the first key; 0 already used it" in out
    assert secret not in out
    sealed = Authenticator.objects.get(user=therapist, type="totp").data["secret"]
    assert sealed.startswith("gAAAAA")

    settings.ATTUNE_NOTES_KEYS = [new, old]
    out = call_command_output("rotate_note_keys")
    assert "Second factors: encrypted 1 with the first key; 0 already used it" in out
    again = call_command_output("rotate_note_keys")
    assert "Second factors: encrypted 0 with the first key; 1 already used it" in again

    settings.ATTUNE_NOTES_KEYS = [new]  # the old key is gone: the secret still opens
    totp = Authenticator.objects.get(user=therapist, type="totp")
    assert get_mfa_adapter().decrypt(totp.data["secret"]) == secret
