"""How long the clinical record of a therapy is kept, and deleting it once that time is over.

The record of care is kept for ``ATTUNE_RETENTION_YEARS`` after the end of treatment. The
default, 10 years, follows German law: § 630f Abs. 3 BGB ("Der Behandelnde hat die
Patientenakte für die Dauer von zehn Jahren nach Abschluss der Behandlung aufzubewahren,
soweit nicht nach anderen Vorschriften andere Aufbewahrungsfristen bestehen") and the
psychotherapists' professional code (Musterberufsordnung für Psychologische Psychotherapeuten
und Kinder- und Jugendlichenpsychotherapeuten, MBO-PP/KJP § 9 Abs. 2: at least ten years). A
practice under another law sets its own period, e.g. 8 years after the end of treatment for
adults in England (NHS England, *Records Management Code of Practice 2021*, retention
schedule).

The GDPR allows this: the right to erasure does not apply where processing is needed to comply
with a legal obligation (Art. 17(3)(b)) or for health care under Art. 9(2)(h) (Art. 17(3)(c)).

:func:`delete_episodes` is shared by ``attune purge`` (episodes whose period has ended) and by
a deletion request carried out (:mod:`attune.portal.erasure`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from attune import conf
from attune.accounts.models import Role, User
from attune.alerts.models import Alert
from attune.audit.models import AuditAction
from attune.audit.services import record as audit
from attune.care.models import Episode, EpisodeStatus, Referral, Session
from attune.clientportal.models import EndingRequest, FeedbackMessage
from attune.measures.models import Response
from attune.notes.models import ProcessNote
from attune.reminders.models import FormLink, ReminderDelivery
from attune.supervision.models import SupervisionNote

#: Where the default period comes from (shown in the admin, the client's e-mail and the docs).
RETENTION_SOURCE = (
    "German law, § 630f (3) BGB; in England the NHS Records Management Code of Practice "
    "keeps adult health records for 8 years"
)

#: The account automatic jobs (``attune purge`` from cron) act as in the audit trail. It cannot
#: sign in: inactive, no usable password, no practice.
SYSTEM_EMAIL = "scheduled-jobs@attune.invalid"


def retention_years() -> int:
    return conf.retention_years()


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def kept_until(ended_on: date) -> date:
    """The last day the record of an episode that ended on ``ended_on`` is kept."""
    return add_years(ended_on, retention_years())


def expired_episodes(today: date) -> list[int]:
    """Ids of episodes whose retention period is over: ended more than N years before today.
    An active episode never expires."""
    cutoff = add_years(today, -retention_years())
    return list(
        Episode.objects.exclude(status=EpisodeStatus.ACTIVE)
        .filter(ended_on__isnull=False, ended_on__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def system_actor() -> User:
    """The account a scheduled job signs its audit events with (made once, cannot sign in)."""
    user = User.objects.filter(email=SYSTEM_EMAIL).first()
    if user is None:
        user = User(
            email=SYSTEM_EMAIL,
            first_name="Attune",
            last_name="(scheduled job)",
            role=Role.PRACTICE_ADMIN,
            is_active=False,
        )
        user.set_unusable_password()
        user.save()
    return user


#: What an episode's record is made of, in the order it is deleted (rows that point at others
#: first). The keys are the words ``attune purge`` prints.
KINDS = (
    "alerts",
    "responses",
    "process_notes",
    "supervision_notes",
    "form_links",
    "reminder_deliveries",
    "feedback_messages",
    "ending_requests",
    "referrals",
    "sessions",
    "episodes",
)


def _notes_of(ids: list[int]) -> QuerySet[Any]:
    """The private process notes of these episodes — only ever counted and deleted, never read
    (the one use of the notes model outside ``attune.notes``, allowed in tests/test_notes.py)."""
    return ProcessNote.objects.filter(Q(episode_id__in=ids) | Q(session__episode_id__in=ids))


def count_episode_rows(episode_ids: Sequence[int]) -> dict[str, int]:
    """How many rows of each kind belong to these episodes (what a purge would delete)."""
    ids = list(episode_ids)
    referral = Q(from_episode_id__in=ids) | Q(to_episode_id__in=ids)
    return {
        "alerts": Alert.objects.filter(episode_id__in=ids).count(),
        "responses": Response.all_objects.filter(episode_id__in=ids).count(),
        "process_notes": _notes_of(ids).count(),
        "supervision_notes": SupervisionNote.objects.filter(episode_id__in=ids).count(),
        "form_links": FormLink.objects.filter(episode_id__in=ids).count(),
        "reminder_deliveries": ReminderDelivery.objects.filter(episode_id__in=ids).count(),
        "feedback_messages": FeedbackMessage.objects.filter(episode_id__in=ids).count(),
        "ending_requests": EndingRequest.objects.filter(episode_id__in=ids).count(),
        "referrals": Referral.objects.filter(referral).count(),
        "sessions": Session.objects.filter(episode_id__in=ids).count(),
        "episodes": len(ids),
    }


def delete_episodes(episode_ids: Sequence[int], *, actor: User, detail: str) -> dict[str, int]:
    """Delete these episodes with everything recorded in them, in one transaction, and write
    one audit event per episode (its id and ``detail`` only). Returns the counts deleted.

    Goals, ratings, the ending and alert events go with their episode (cascade); the audit
    trail keeps the bare episode ids, as it is meant to outlive the records."""
    ids = list(episode_ids)
    if not ids:
        return dict.fromkeys(KINDS, 0)
    with transaction.atomic():
        counts = count_episode_rows(ids)
        for episode in Episode.objects.filter(pk__in=ids).order_by("pk"):
            audit(actor, AuditAction.DELETE, episode, episode=episode, detail=detail)
        Alert.objects.filter(episode_id__in=ids).delete()
        # Responses that belong to these episodes but to a session of another one cannot exist;
        # the safety net below catches responses pointing at these sessions anyway.
        Response.all_objects.filter(Q(episode_id__in=ids) | Q(session__episode_id__in=ids)).delete()
        _notes_of(ids).delete()
        SupervisionNote.objects.filter(episode_id__in=ids).delete()
        FormLink.objects.filter(episode_id__in=ids).delete()
        ReminderDelivery.objects.filter(episode_id__in=ids).delete()
        FeedbackMessage.objects.filter(episode_id__in=ids).delete()
        EndingRequest.objects.filter(episode_id__in=ids).delete()
        Referral.objects.filter(Q(from_episode_id__in=ids) | Q(to_episode_id__in=ids)).delete()
        Session.objects.filter(episode_id__in=ids).delete()
        Episode.objects.filter(pk__in=ids).delete()
    return counts
