"""Who may read a response: the treating therapist and her supervisor; the client reads their
own through the portal's scoped queries."""

from __future__ import annotations

import rules

from attune.accounts.models import User
from attune.care.rules import is_episode_therapist, supervises_episode_therapist
from attune.measures.models import Response


@rules.predicate
def may_read_response(user: User, response: Response | None) -> bool:
    if response is None:
        return False
    return is_episode_therapist.test(user, response.episode) or supervises_episode_therapist.test(
        user, response.episode
    )


rules.add_perm("measures.view_response", may_read_response)
