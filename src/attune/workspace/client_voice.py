"""The client's own voice on the caseload: badges for what the client asked for or told us.

Three badges, each read the same way the episode page reads it:

* **ending requested**: an ending request the client has not withdrawn (``portal.EndingRequest``);
* **wants to talk**: a composer message kept for the next session whose session has not taken
  place yet, without its words (``portal.queries.feedback_for_therapist``, kind
  ``wants_to_talk``);
* **thinking of stopping**: the client's latest answer to "Have you been thinking about stopping
  therapy?" (session feedback) is at or above the engine's threshold
  (``FitCheckConfig.stopping_at_least``: "sometimes" or "yes", ``attune.engine.batch.STOPPING``).

The caseload gathers them for all its clients at once: the ending requests in one query of
ids (``ending_requested``), the latest stopping answer with its scores
(``workspace.queries._score_facts``), and at most two more queries for "wants to talk" (the
messages, then the sessions of the few episodes that have one), however many clients.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from attune.care.models import Session
from attune.clientportal.models import EndingRequest, FeedbackMessage, Intent
from attune.portal.queries import bring_up_session


@dataclass(frozen=True)
class Badge:
    code: str
    label: str
    meaning: str  # for the glossary and the badge's tooltip


ENDING_REQUESTED = Badge(
    "ending_requested",
    "Ending requested",
    "The client asked in the portal for a conversation about ending therapy and has not "
    "withdrawn the request.",
)
WANTS_TO_TALK = Badge(
    "wants_to_talk",
    "Wants to talk",
    "The client wrote something to bring up at the next session; the words stay with the "
    "client until then.",
)
THINKING_OF_STOPPING = Badge(
    "thinking_of_stopping",
    "Thinking of stopping",
    "In the latest session feedback that answered it, the client said “sometimes” or “yes” to "
    "“Have you been thinking about stopping therapy?”.",
)
#: Every badge, in the order a row shows them.
BADGES: tuple[Badge, ...] = (ENDING_REQUESTED, WANTS_TO_TALK, THINKING_OF_STOPPING)


@dataclass(frozen=True)
class ClientVoice:
    ending_requested: bool = False
    wants_to_talk: bool = False
    thinking_of_stopping: bool = False

    @property
    def badges(self) -> list[Badge]:
        on = {
            ENDING_REQUESTED.code: self.ending_requested,
            WANTS_TO_TALK.code: self.wants_to_talk,
            THINKING_OF_STOPPING.code: self.thinking_of_stopping,
        }
        return [b for b in BADGES if on[b.code]]


def ending_requested(episode_ids: Iterable[int]) -> set[int]:
    """The episodes whose client asked for an ending conversation and has not withdrawn: one
    query of ids."""
    return set(
        EndingRequest.objects.filter(
            episode_id__in=list(episode_ids), withdrawn_at__isnull=True
        ).values_list("episode_id", flat=True)
    )


def wants_to_talk(episode_ids: Iterable[int], now: datetime) -> set[int]:
    """The episodes whose client kept something for a next session that has not happened yet.

    The same rule as the episode page (``bring_up_session``): one query for the messages, one
    for the sessions of the episodes that have such a message.
    """
    ids = list(episode_ids)
    if not ids:
        return set()
    waiting = list(
        FeedbackMessage.objects.filter(
            episode_id__in=ids, intent=Intent.NEXT_SESSION, shared_at__isnull=True
        ).only("pk", "episode_id", "intent", "updated_at", "share_at_session", "shared_at")
    )
    if not waiting:
        return set()
    sessions: dict[int, list[Session]] = defaultdict(list)
    for session in Session.objects.filter(episode_id__in={m.episode_id for m in waiting}):
        sessions[session.episode_id].append(session)
    return {
        m.episode_id for m in waiting if bring_up_session(m, sessions[m.episode_id], now) is None
    }
