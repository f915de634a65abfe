"""Who may hold and manage personal access tokens: the clinicians (therapists, supervisors),
each only their own. What a token may then read or write is decided by the predicates of the
apps that own the records (care, measures, alerts), exactly as for the web pages."""

from __future__ import annotations

import rules

from attune.accounts.models import User
from attune.accounts.rules import is_practice_admin, is_supervisor, is_therapist
from attune.integrations.models import PersonalAccessToken


@rules.predicate
def owns_token(user: User, token: PersonalAccessToken | None) -> bool:
    return token is not None and token.user_id == user.pk


@rules.predicate
def administers_a_practice(user: User) -> bool:
    return is_practice_admin.test(user) and user.practice_id is not None


# The practice administrator holds a token for the practice's bulk export only: the clinical
# endpoints ask for ``care.use_workspace`` and answer her 403.
rules.add_perm("api.manage_tokens", is_therapist | is_supervisor | administers_a_practice)
rules.add_perm(
    "api.revoke_token", (is_therapist | is_supervisor | administers_a_practice) & owns_token
)
rules.add_perm("api.export_practice", administers_a_practice)
# Only a therapist has sessions of her own to put in a calendar.
rules.add_perm("api.keep_calendar", is_therapist)
