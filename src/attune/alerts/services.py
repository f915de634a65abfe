"""Opening alerts and moving them through their workflow: open → (acknowledged) → action
recorded → closed, or stored as a note for good news. Every step is an ``AlertEvent`` with
who, when and what."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from attune.accounts.models import User
from attune.alerts.actions import allowed_actions, needs_instrument
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
from attune.alerts.notices import queue_therapist_notification
from attune.audit.models import AuditAction
from attune.audit.services import record
from attune.care.models import Episode
from attune.engine.levels import is_note, level
from attune.engine.safety import safety_wording
from attune.measures.queries import answer_label

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
    """Open the alert for this concern, or update the one there is: one alert per
    (episode, key), never two.

    * Severity "info" (good news, markers) is stored as a note: nothing to acknowledge, never
      counted as open.
    * An open alert takes the new evidence; its severity only rises (a milder reading does not
      hide it).
    * A closed alert stays closed while the concern merely persists. It reopens only when the
      severity rises above the level it had when it was closed (watch → act soon), and the
      trail says so. A note becomes an open alert the same way.
    """
    now = now or timezone.now()
    note = is_note(severity)
    alert, created = Alert.objects.select_for_update().get_or_create(
        episode=episode,
        dedupe_key=dedupe_key,
        defaults={
            "kind": kind,
            "severity": severity,
            "status": AlertStatus.NOTE if note else AlertStatus.OPEN,
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
        AlertEvent.objects.create(
            alert=alert, kind=AlertEventKind.NOTED if note else AlertEventKind.OPENED, at=now
        )
        log.info("alert %s id=%s kind=%s episode=%s", alert.status, alert.pk, kind, episode.pk)
        return alert
    if alert.status in (AlertStatus.CLOSED, AlertStatus.NOTE):
        if not _rises(severity, above=alert.severity):
            if alert.status == AlertStatus.NOTE:
                _update(alert, title, explanation, evidence, severity, now)
            return alert
        was = "a note" if alert.status == AlertStatus.NOTE else "closed"
        before, after = level(alert.severity).label.lower(), level(severity).label.lower()
        alert.status = AlertStatus.OPEN
        alert.closed_at = None
        alert.severity = severity
        alert.title = title
        alert.evidence = evidence
        alert.explanation = explanation
        alert.opened_at = now
        alert.save(
            update_fields=[
                "status",
                "closed_at",
                "severity",
                "title",
                "evidence",
                "explanation",
                "opened_at",
                "updated_at",
            ]
        )
        AlertEvent.objects.create(
            alert=alert,
            kind=AlertEventKind.OPENED,
            at=now,
            note=f"Reopened: it was {was} at “{before}” and has risen to “{after}”.",
        )
        log.info("alert reopened id=%s kind=%s episode=%s", alert.pk, kind, episode.pk)
        return alert
    # Severity only ever rises while an alert is open; a milder reading does not hide it.
    rose = SEVERITY_ORDER[Severity(severity)] < SEVERITY_ORDER[Severity(alert.severity)]
    _update(alert, title, explanation, evidence, severity if rose else alert.severity, now)
    return alert


def _rises(severity: str, *, above: str) -> bool:
    """A higher level on the scale people see (act soon over watch), not a code change
    within one level (red and high are both "act soon")."""
    return level(severity).order < level(above).order


def _update(
    alert: Alert,
    title: str,
    explanation: str,
    evidence: dict[str, Any],
    severity: str,
    now: datetime,
) -> None:
    if (alert.title, alert.explanation, alert.evidence, alert.severity) == (
        title,
        explanation,
        evidence,
        severity,
    ):
        return
    alert.title = title
    alert.explanation = explanation
    alert.evidence = evidence
    alert.severity = severity
    alert.save(update_fields=["title", "explanation", "evidence", "severity", "updated_at"])
    AlertEvent.objects.create(alert=alert, kind=AlertEventKind.UPDATED, at=now)


@transaction.atomic
def raise_safety_alert(response: Response) -> Alert:
    """PHQ-9 item 9 ≥ 1 → high, ≥ 2 → urgent; shown to the therapist at once and, in the same
    transaction, a notification without clinical content queued for her e-mail.

    Item 9 is a flag for a clinician, not a risk score: most people who die by suicide answered
    "not at all" on their last PHQ-9 (Louzon et al. 2016), so the follow-up is a validated
    assessment (C-SSRS, ASQ), never the item alone (NICE NG225; The Joint Commission NPSG 15.01.01).
    The wording is the engine's (``attune.engine.safety.safety_wording``).
    """
    instrument = response.instrument_version.parsed
    flags = response.scores.get("safety", [])
    session_number = response.session.number if response.session else None
    items = [
        {
            "item": flag["item"],
            "text": instrument.item(flag["item"]).text,
            "value": flag["value"],
            "answer": answer_label(
                instrument.item(flag["item"]), response.answers.get(flag["item"])
            ),
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


def acknowledge(alert: Alert, user: User, *, now: datetime | None = None) -> Alert:
    """Seen, nothing done yet: the alert stays open but is no longer "new"."""
    if alert.status != AlertStatus.OPEN:
        return alert
    alert.status = AlertStatus.ACKNOWLEDGED
    alert.save(update_fields=["status", "updated_at"])
    AlertEvent.objects.create(
        alert=alert, kind=AlertEventKind.ACKNOWLEDGED, actor=user, at=now or timezone.now()
    )
    record(user, AuditAction.UPDATE, alert, episode=alert.episode_id, detail="acknowledged")
    return alert


@transaction.atomic
def record_action(
    alert: Alert,
    user: User,
    *,
    action: str,
    note: str = "",
    follow_up_instrument: str = "",
    close_after: bool = False,
    now: datetime | None = None,
) -> Alert:
    """Record what was done (one of the actions that fit the alert's kind, see
    ``alerts.actions``); with ``close_after`` close it in the same step.

    Recording an action is also acknowledging: the trail holds the action (and the closing),
    not a separate "acknowledged" line. Refusals are ``ValidationError`` with a message for
    the therapist; nothing is stored when one is raised.
    """
    if alert.status == AlertStatus.CLOSED:
        raise ValidationError("This alert is already closed.")
    if alert.status == AlertStatus.NOTE:
        raise ValidationError("This is a note: it needs no action.")
    allowed = allowed_actions(alert.kind)
    if not action:
        raise ValidationError("Please choose what was done.")
    if action not in allowed:
        offered = ", ".join(f"“{a.label}”" for a in allowed)
        raise ValidationError(
            f"That action does not fit a “{alert.get_kind_display()}” alert; "
            f"choose one of {offered}."
        )
    instrument = follow_up_instrument.strip() if needs_instrument(alert.kind) else ""
    if len(instrument) > 100:
        raise ValidationError("Please name the instrument in at most 100 characters.")
    if action == ActionKind.SAFETY_FOLLOW_UP and not instrument:
        raise ValidationError("Say which instrument the safety follow-up used (e.g. C-SSRS).")
    now = now or timezone.now()
    alert.status = AlertStatus.ACTION_RECORDED
    alert.save(update_fields=["status", "updated_at"])
    AlertEvent.objects.create(
        alert=alert,
        kind=AlertEventKind.ACTION_RECORDED,
        actor=user,
        at=now,
        action=action,
        note=note.strip(),
        follow_up_instrument=instrument,
    )
    record(user, AuditAction.UPDATE, alert, episode=alert.episode_id, detail=f"action={action}")
    if close_after:
        close(alert, user, now=now)
    return alert


def close(alert: Alert, user: User, *, now: datetime | None = None) -> Alert:
    """Close an alert. It closes only with a recorded action; a safety alert only with a
    recorded safety follow-up. A note is not an alert to close."""
    if alert.status == AlertStatus.NOTE:
        raise ValidationError("This is a note: there is nothing to close.")
    if alert.status == AlertStatus.CLOSED:
        return alert
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
    record(user, AuditAction.UPDATE, alert, episode=alert.episode_id, detail="closed")
    return alert
