"""Who may decide a client's deletion request (django-rules): the practice administrator of
the client's practice, and nobody else — not a superuser of another practice, not the
therapist, the supervisor or the client."""

from __future__ import annotations

import rules

from attune.accounts.models import Role, User
from attune.clientportal.models import DeletionRequest


@rules.predicate
def is_admin_of_request_practice(user: User, request: DeletionRequest | None) -> bool:
    return (
        request is not None
        and user.is_active
        and user.role == Role.PRACTICE_ADMIN
        and user.practice_id is not None
        and request.client.practice_id == user.practice_id
    )


rules.add_perm("portal.decide_deletion", is_admin_of_request_practice)


def may_decide_deletion(user: User, request: DeletionRequest) -> bool:
    return bool(user.is_authenticated and user.has_perm("portal.decide_deletion", request))
