"""What ``attune demo`` prints before it serves: where to open it, who to sign in as, and where
the e-mails go."""

from __future__ import annotations

from collections.abc import Iterable

#: Django's console backend (the demo's default): e-mails are printed, never sent.
CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"


def banner(
    *,
    site_url: str,
    logins: Iterable[tuple[str, str]],
    password: str,
    mfa_required: bool,
    email_backend: str,
) -> str:
    """The lines ``attune demo`` prints once the demo practice is ready."""
    lines = [f"Demo logins (password for all: {password}):"]
    lines += [f"  {email:<26} {what}" for email, what in logins]
    if not mfa_required:
        lines.append("Demo mode: two-step sign-in (MFA) is off; a real install needs it.")
    lines.append("")
    lines.append(f"Open {site_url.rstrip('/')}/ in your browser.")
    if email_backend == CONSOLE_BACKEND:
        lines.append(
            "E-mails (reminders, invitations, password resets) are not sent: they appear in "
            "this terminal, with their links."
        )
    else:
        lines.append(f"E-mails are sent with {email_backend}.")
    return "\n".join(lines)
