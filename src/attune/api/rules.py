"""Who may hold and manage personal access tokens: the clinicians (therapists, supervisors),
each only their own. What a token may then read or write is decided by the predicates of the
apps that own the records (care, measures, alerts), exactly as for the web pages."""

from __future__ import annotations

import rules

from attune.accounts.models import User
from attune.api.models import PersonalAccessToken
from attune.care.rules import is_supervisor, is_therapist


@rules.predicate
def owns_token(user: User, token: PersonalAccessToken | None) -> bool:
    return token is not None and token.user_id == user.pk


rules.add_perm("api.manage_tokens", is_therapist | is_supervisor)
rules.add_perm("api.revoke_token", (is_therapist | is_supervisor) & owns_token)
# Only a therapist has sessions of her own to put in a calendar.
rules.add_perm("api.keep_calendar", is_therapist)
