"""What the thank-you page after a session feedback offers, from what the client answered.

When the client said they felt misunderstood, uneasy or disconnected (the rupture item), or that
they are thinking of stopping, the thank-you page does not just say "saved": it offers to put it
into words for the next session (the composer, prefilled) or to ask for an ending conversation.
Saying so to the therapist is what makes a rupture repairable — unrepaired ruptures predict
worse outcome and dropout, repaired ones better outcome (Eubanks, Muran & Safran 2018, r = .29;
McLaughlin et al. 2014; docs/sources.md, "Alliance, rupture, repair and fit").

The thresholds are the engine's, never compared here: a rupture is "a little" or more
(``engine_config().rupture.tension_at_least``, the one the rupture alert uses) and thinking of
stopping is :func:`attune.care.engine_adapter.thinking_of_stopping_codes` (the caseload's and the
report's). The page and the therapist's alerts therefore read the same answers alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from attune.care.engine_adapter import engine_config, thinking_of_stopping_codes
from attune.engine import batch as eb
from attune.measures.models import Response

FEEDBACK = "session_feedback"
#: The composer's sentence starter for each reason (attune.portal.composer.STARTERS).
STARTER_MISUNDERSTOOD = "I felt misunderstood when …"
STARTER_STOPPING = "I'm not sure this is working for me, because …"


def rupture_codes() -> frozenset[str]:
    """The rupture answers that count as a moment of feeling misunderstood, uneasy or
    disconnected: the engine's ``tension_at_least`` and up ("a little", "yes")."""
    return frozenset(eb.RUPTURE[engine_config().rupture.tension_at_least :])


@dataclass(frozen=True)
class AfterFeedback:
    """What the client's feedback calls for on the thank-you page."""

    misunderstood: bool = False
    thinking_of_stopping: bool = False

    @property
    def offers(self) -> bool:
        return self.misunderstood or self.thinking_of_stopping

    @property
    def starter(self) -> str:
        """The composer's first words for this feedback ('' when nothing is offered)."""
        if self.misunderstood:
            return STARTER_MISUNDERSTOOD
        if self.thinking_of_stopping:
            return STARTER_STOPPING
        return ""


def after_feedback(responses: Iterable[Response]) -> AfterFeedback:
    """Read the session-feedback answers among ``responses`` (the stored form of one session;
    other questionnaires are ignored)."""
    misunderstood = stopping = False
    rupture, stop = rupture_codes(), thinking_of_stopping_codes()
    for response in responses:
        if response.instrument_version.instrument.code != FEEDBACK:
            continue
        answers = response.answers or {}
        misunderstood |= answers.get("rupture") in rupture
        stopping |= answers.get("stopping") in stop
    return AfterFeedback(misunderstood=misunderstood, thinking_of_stopping=stopping)
