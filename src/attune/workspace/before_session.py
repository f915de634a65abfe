"""The "Before the next session" panel at the top of the episode page.

What a therapist with five minutes needs first: one status (the most urgent open alert on the
engine's one scale, ``attune.engine.levels``), what changed since the last check-in (with the
engine's reliable-change rule, ``attune.care.engine_adapter``), the client's own words (the latest
feedback comment, "thinking of stopping", messages shared, "wants to talk", an ending asked
for) and the open concerns, one line each, linking to their card.

No query of its own: it reads what ``episode_for_page`` prefetched (sessions with their
responses, alerts) and the client's messages the page reads anyway (``feedback_for_therapist``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from attune.alerts.models import Alert
from attune.care.engine_adapter import (
    MEASURES,
    Direction,
    reliable_change,
    thinking_of_stopping_codes,
)
from attune.care.models import Episode
from attune.engine.levels import Level
from attune.measures.models import Phase, Response
from attune.portal.queries import ClientMessage
from attune.workspace.queries import loaded

#: How the questionnaires are named on the panel.
MEASURE_NAMES = {"phq9": "PHQ-9", "gad7": "GAD-7"}


@dataclass(frozen=True)
class ScoreChange:
    """The latest score of a questionnaire against the one before it."""

    code: str
    name: str
    latest: int
    latest_session: int | None
    previous: int | None = None
    previous_session: int | None = None
    #: The engine's verdict on previous → latest; None: within measurement error (or no previous).
    reliable: Direction | None = None

    @property
    def change(self) -> int | None:
        return None if self.previous is None else self.latest - self.previous

    @property
    def verdict(self) -> str:
        if self.previous is None:
            return "first score"
        if self.reliable == "improvement":
            return "reliable improvement"
        if self.reliable == "deterioration":
            return "reliable deterioration"
        return "within measurement error"


@dataclass(frozen=True)
class FeedbackWords:
    """What the client said in the latest session feedback that answered a question."""

    response: Response
    session_number: int | None
    text: str


@dataclass(frozen=True)
class Concern:
    """An open alert, one line: its level, its title and the first suggested step."""

    alert: Alert

    @property
    def next_step(self) -> str:
        steps = self.alert.suggested_actions
        return str(steps[0]) if isinstance(steps, list) and steps else ""


@dataclass(frozen=True)
class BeforeSession:
    #: The most urgent level among the open alerts; None when there is none ("on track").
    level: Level | None
    changes: list[ScoreChange]
    #: The latest feedback comment, if the client ever wrote one.
    comment: FeedbackWords | None
    #: The client's latest answer to "Have you been thinking about stopping therapy?" when it
    #: reaches the engine's threshold (``fit_check.stopping_at_least``): "Sometimes" or "Yes".
    stopping: FeedbackWords | None
    ending_request: ClientMessage | None
    wants_to_talk: list[ClientMessage]
    shared: list[ClientMessage]
    concerns: list[Concern]

    @property
    def status_label(self) -> str:
        return self.level.label if self.level else "On track"

    @property
    def status_css(self) -> str:
        return self.level.css if self.level else "on-track"

    @property
    def has_client_words(self) -> bool:
        return bool(
            self.comment
            or self.stopping
            or self.ending_request
            or self.wants_to_talk
            or self.shared
        )


def _session_responses(episode: Episode, phase: str) -> list[tuple[int, Response]]:
    """The episode's completed responses of one phase with their session number, oldest first
    (from the prefetched sessions)."""
    found = [
        (session.number, response)
        for session in episode.sessions.all()
        for response in loaded(session, "responses")
        if response.phase == phase
    ]
    found.sort(key=lambda pair: (pair[1].submitted_at, pair[1].pk))
    return found


def _score_changes(check_ins: Sequence[tuple[int, Response]]) -> list[ScoreChange]:
    changes = []
    for code in MEASURES:
        scored = [
            (number, r)
            for number, r in check_ins
            if r.instrument_version.instrument.code == code and r.score is not None
        ]
        if not scored:
            continue
        latest_number, latest = scored[-1]
        name = MEASURE_NAMES.get(code, code)
        if len(scored) == 1:
            changes.append(ScoreChange(code, name, int(latest.score or 0), latest_number))
            continue
        previous_number, previous = scored[-2]
        a, b = int(previous.score or 0), int(latest.score or 0)
        changes.append(
            ScoreChange(
                code=code,
                name=name,
                latest=b,
                latest_session=latest_number,
                previous=a,
                previous_session=previous_number,
                # The engine's rule with the thresholds the alerts use: never compared here.
                reliable=reliable_change(code, a, b),
            )
        )
    return changes


def before_next_session(
    episode: Episode, client_messages: Sequence[ClientMessage]
) -> BeforeSession:
    """The panel of one episode, from what the episode page already read."""
    feedback = _session_responses(episode, str(Phase.FEEDBACK))
    comment = stopping = None
    for number, response in reversed(feedback):
        text = str(response.answers.get("comment") or "").strip()
        if text:
            comment = FeedbackWords(response, number, text)
            break
    if feedback:
        number, latest = feedback[-1]
        answer = latest.answers.get("stopping")
        if answer in thinking_of_stopping_codes():
            label = "Yes" if answer == "yes" else "Sometimes"
            stopping = FeedbackWords(latest, number, label)
    open_alerts = [a for a in episode.alerts.all() if a.is_open and not a.level.is_note]
    open_alerts.sort(key=lambda a: (a.level.order, _opened(a), a.pk))
    return BeforeSession(
        level=open_alerts[0].level if open_alerts else None,
        changes=_score_changes(_session_responses(episode, str(Phase.CHECK_IN))),
        comment=comment,
        stopping=stopping,
        ending_request=next((m for m in client_messages if m.kind == "ending"), None),
        wants_to_talk=[m for m in client_messages if m.kind == "wants_to_talk"],
        shared=[m for m in client_messages if m.kind == "shared"],
        concerns=[Concern(a) for a in open_alerts],
    )


def _opened(alert: Alert) -> float:
    # Newest first within a level.
    opened: datetime = alert.opened_at
    return -opened.timestamp()
