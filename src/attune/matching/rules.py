"""Who may answer a consultation request (django-rules).

Views resolve the request through :func:`attune.matching.queries.requests_for` first (a wrong
id gives 404), then ask these: only the therapist asked answers. The person asking has no
account; their private link is checked in :mod:`attune.matching.consultations`.
"""

from __future__ import annotations

import rules

from attune.accounts.models import Role, User
from attune.matching.models import ConsultationRequest


@rules.predicate
def is_therapist(user: User) -> bool:
    return user.role == Role.THERAPIST


@rules.predicate
def is_asked_therapist(user: User, req: ConsultationRequest | None) -> bool:
    return req is not None and user.role == Role.THERAPIST and req.therapist_id == user.pk


rules.add_perm("matching.use_inbox", is_therapist)
rules.add_perm("matching.answer_consultation", is_asked_therapist)
