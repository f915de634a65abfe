"""Opening alerts and moving them through their workflow: open → acknowledged → action
recorded → closed. Every step is an ``AlertEvent`` with who, when and what."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from attune.accounts.models import User
from attune.alerts.models import (
    SEVERITY_ORDER,
    ActionKind,
    Alert,
    AlertEvent,
    AlertEventKind,
    AlertKind,
    AlertStatus,
    Severity,
)
from attune.care.models import Episode

if TYPE_CHECKING:
    from attune.measures.models import Response

log = logging.getLogger(__name__)


@transaction.atomic
def raise_alert(
    *,
    episode: Episode,
    kind: str,
    severity: str,
    title: str,
    explanation: str,
    evidence: dict[str, Any],
    source: str,
    suggested_actions: Sequence[str],
    dedupe_key: str,
    response: Response | None = None,
    now: datetime | None = None,
) -> Alert:
    """Open the alert for this event, or update the open one: never two alerts for one event."""
    now = now or timezone.now()
    alert, created = Alert.objects.select_for_update().get_or_create(
        episode=episode,
        dedupe_key=dedupe_key,
        defaults={
            "kind": kind,
            "severity": severity,
            "title": title,
            "explanation": explanation,
            "evidence": evidence,
            "source": source,
            "suggested_actions": list(suggested_actions),
            "response": response,
            "opened_at": now,
        },
    )
    if created:
        AlertEvent.objects.create(alert=alert, kind=AlertEventKind.OPENED, at=now)
        log.info("alert opened id=%s kind=%s episode=%s", alert.pk, kind, episode.pk)
        return alert
    if not alert.is_open:
        # A closed alert stays closed unless the same concern shows again at a later session
        # (e.g. still not on track after the action was recorded); good news never reopens.
        later = _session_of(evidence) > _session_of(alert.evidence)
        if severity == Severity.INFO or not later:
            return alert
        alert.status = AlertStatus.OPEN
        alert.closed_at = None
        alert.severity = severity
        alert.evidence = evidence
        alert.explanation = explanation
        alert.save(
            update_fields=[
                "status",
                "closed_at",
                "severity",
                "evidence",
                "explanation",
                "updated_at",
            ]
        )
        AlertEvent.objects.create(
            alert=alert, kind=AlertEventKind.OPENED, at=now, note="Reopened: seen again."
        )
        return alert
    if alert.evidence != evidence or alert.severity != severity:
        # Severity only ever rises while an alert is open; a milder reading does not hide it.
        if SEVERITY_ORDER[Severity(severity)] < SEVERITY_ORDER[Severity(alert.severity)]:
            alert.severity = severity
        alert.evidence = evidence
        alert.explanation = explanation
        alert.save(update_fields=["severity", "evidence", "explanation", "updated_at"])
        AlertEvent.objects.create(alert=alert, kind=AlertEventKind.UPDATED, at=now)
    return alert


def _session_of(evidence: dict[str, Any]) -> int:
    value = evidence.get("session_number")
    return value if isinstance(value, int) else 0


@transaction.atomic
def raise_safety_alert(response: Response) -> Alert:
    """PHQ-9 item 9 ≥ 1 → high, ≥ 2 → urgent; shown to the therapist at once and, in the same
    transaction, a notification without clinical content queued for her e-mail.

    Item 9 is a flag for a clinician, not a risk score: most people who die by suicide answered
    "not at all" on their last PHQ-9 (Louzon et al. 2016), so the follow-up is a validated
    assessment (C-SSRS, ASQ), never the item alone (NICE NG225; The Joint Commission NPSG 15.01.01).
    The wording is the engine's (``attune.engine.safety.safety_wording``).
    """
    from attune.engine.safety import safety_wording
    from attune.notifications.services import queue_therapist_notification

    instrument = response.instrument_version.parsed
    flags = response.scores.get("safety", [])
    session_number = response.session.number if response.session else None
    items = [
        {
            "item": flag["item"],
            "text": instrument.item(flag["item"]).text,
            "value": flag["value"],
            "answer": _answer_label(instrument, flag["item"], response.answers),
            "level": flag["level"],
        }
        for flag in flags
    ]
    evidence = {
        "instrument": instrument.short_name,
        "response_id": response.pk,
        "session_number": session_number,
        "items": items,
    }
    severity = Severity.URGENT if response.safety_level == "urgent" else Severity.HIGH
    top = max(items, key=lambda i: i["value"], default=None)
    wording = safety_wording(
        "urgent" if severity == Severity.URGENT else "high",
        instrument=instrument.short_name,
        session_number=session_number,
        answer=top["answer"] if top else None,
        value=top["value"] if top else None,
    )
    alert = raise_alert(
        episode=response.episode,
        kind=AlertKind.SAFETY,
        severity=severity,
        title=wording.title,
        explanation=wording.explanation,
        evidence=evidence,
        source=wording.source,
        suggested_actions=wording.actions,
        dedupe_key=f"safety:response:{response.pk}",
        response=response,
        now=response.submitted_at,
    )
    if alert.is_open:
        queue_therapist_notification(alert)
    return alert


def _answer_label(instrument: Any, item_code: str, answers: dict[str, Any]) -> str:
    value = str(answers.get(item_code))
    option = instrument.item(item_code).option(value)
    return option.label if option else value


def acknowledge(alert: Alert, user: User, *, now: datetime | None = None) -> Alert:
    if alert.status != AlertStatus.OPEN:
        return alert
    alert.status = AlertStatus.ACKNOWLEDGED
    alert.save(update_fields=["status", "updated_at"])
    AlertEvent.objects.create(
        alert=alert, kind=AlertEventKind.ACKNOWLEDGED, actor=user, at=now or timezone.now()
    )
    return alert


@transaction.atomic
def record_action(
    alert: Alert,
    user: User,
    *,
    action: str,
    note: str = "",
    follow_up_instrument: str = "",
    now: datetime | None = None,
) -> Alert:
    if alert.status == AlertStatus.CLOSED:
        raise ValidationError("This alert is closed.")
    if action not in ActionKind.values:
        raise ValidationError("Please choose what was done.")
    if len(follow_up_instrument.strip()) > 100:
        raise ValidationError("Please name the instrument in at most 100 characters.")
    if action == ActionKind.SAFETY_FOLLOW_UP and not follow_up_instrument.strip():
        raise ValidationError("Say which instrument the safety follow-up used (e.g. C-SSRS).")
    now = now or timezone.now()
    if alert.status == AlertStatus.OPEN:
        acknowledge(alert, user, now=now)
    alert.status = AlertStatus.ACTION_RECORDED
    alert.save(update_fields=["status", "updated_at"])
    AlertEvent.objects.create(
        alert=alert,
        kind=AlertEventKind.ACTION_RECORDED,
        actor=user,
        at=now,
        action=action,
        note=note.strip(),
        follow_up_instrument=follow_up_instrument.strip(),
    )
    return alert


def close(alert: Alert, user: User, *, now: datetime | None = None) -> Alert:
    """Close an alert. It closes only with a recorded action; a safety alert only with a
    recorded safety follow-up."""
    actions = set(
        alert.events.filter(kind=AlertEventKind.ACTION_RECORDED).values_list("action", flat=True)
    )
    if not actions:
        raise ValidationError("Record what was done before closing this alert.")
    if alert.kind == AlertKind.SAFETY and ActionKind.SAFETY_FOLLOW_UP not in actions:
        raise ValidationError("A safety alert closes only after a recorded safety follow-up.")
    now = now or timezone.now()
    alert.status = AlertStatus.CLOSED
    alert.closed_at = now
    alert.save(update_fields=["status", "closed_at", "updated_at"])
    AlertEvent.objects.create(alert=alert, kind=AlertEventKind.CLOSED, actor=user, at=now)
    return alert
