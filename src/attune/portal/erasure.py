"""Deciding a client's deletion request: carry it out, or decline it with a reason.

Carrying it out erases what may be erased and keeps what health-records law keeps
(:mod:`attune.portal.retention`):

* **Erased**: the account's personal data (name and preferred name blanked, the e-mail address
  replaced by a tombstone, an unusable password, the account deactivated, its sign-in sessions,
  e-mail addresses and second factors deleted); the client's own free text — composer messages,
  ending requests, and the written answers of forms (session feedback comments, fit check-in
  comment, exit feedback); consultation requests made with their e-mail (with the thread and
  links); form links and the reminders that carried them; earlier e-mails to them still in the
  outbox; the address typed at failed sign-ins. Episodes whose retention period is already over
  are deleted whole.
* **Kept** until the end of the retention period (``ATTUNE_RETENTION_YEARS`` after the end of
  each episode): the clinical record of care — episodes, sessions and their progress notes,
  goals, questionnaire answers and scores, alerts, endings, referrals, supervision notes, and
  the therapist's private process notes (encrypted, the therapist's own record, under the same
  duty to keep records: docs/decisions.md). They now belong to an account with no name and no
  address; ``attune purge`` deletes them when the period ends.

The client is told both by e-mail through the outbox *before* their address is erased, and the
decision is recorded on the request (``erased``, ``kept``, ``kept_until``, ``note``). The audit
trail gets ids only. Everything happens in one transaction.

A request cannot be carried out while a therapy is still active: the therapist records the
ending first (the record's retention runs from the end of treatment), or the request is
declined.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.sessions.models import Session as SignInSession
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from post_office.models import Email

from attune.accounts.models import SignInEvent, User
from attune.audit.models import AuditAction
from attune.audit.services import record as audit
from attune.care.models import Client, Episode, EpisodeStatus
from attune.clientportal.models import (
    DeletionRequest,
    DeletionStatus,
    EndingRequest,
    FeedbackMessage,
)
from attune.matching.models import ConsultationRequest
from attune.measures.models import Response
from attune.outbox import send
from attune.portal.retention import (
    RETENTION_SOURCE,
    count_episode_rows,
    delete_episodes,
    kept_until,
    retention_years,
)
from attune.portal.rules import may_decide_deletion
from attune.reminders.models import FormLink, ReminderDelivery

#: The domain of the tombstone addresses that replace erased ones (never deliverable: RFC 2606).
TOMBSTONE_DOMAIN = "erased.invalid"

#: The kinds of the record that retention keeps, in words for the client and the admin.
KEPT_WORDS = {
    "episodes": "the dates of the therapy and how it ended",
    "sessions": "the dates of the sessions and the therapist's session notes",
    "responses": "questionnaire answers and scores (without anything written in words)",
    "alerts": "alerts raised from the answers",
    "process_notes": "the therapist's private notes (encrypted)",
    "supervision_notes": "notes from the therapist's supervision",
    "referrals": "referrals to another therapist",
}


def tombstone_email(user: User) -> str:
    return f"erased-{user.pk}@{TOMBSTONE_DOMAIN}"


@dataclass(frozen=True)
class KeptKind:
    kind: str
    count: int
    until: date

    @property
    def words(self) -> str:
        return KEPT_WORDS.get(self.kind, self.kind.replace("_", " "))


@dataclass(frozen=True)
class Plan:
    """What carrying out the request would do; shown to the administrator before deciding."""

    request: DeletionRequest
    active_episodes: int
    expired_episode_ids: list[int]
    kept: list[KeptKind]
    kept_until: date | None

    @property
    def can_carry_out(self) -> bool:
        return self.request.status == DeletionStatus.REQUESTED and self.active_episodes == 0


def plan(request: DeletionRequest, today: date | None = None) -> Plan:
    today = today or timezone.localdate()
    episodes = list(
        Episode.objects.filter(client_id=request.client_id).values("pk", "status", "ended_on")
    )
    active = sum(1 for e in episodes if e["status"] == EpisodeStatus.ACTIVE)
    expired: list[int] = []
    kept_by_until: dict[date, list[int]] = {}
    for e in episodes:
        if e["status"] == EpisodeStatus.ACTIVE or e["ended_on"] is None:
            continue
        until = kept_until(e["ended_on"])
        if until < today:
            expired.append(e["pk"])
        else:
            kept_by_until.setdefault(until, []).append(e["pk"])
    kept: list[KeptKind] = []
    for until in sorted(kept_by_until):
        counts = count_episode_rows(kept_by_until[until])
        kept.extend(
            KeptKind(kind=kind, count=counts[kind], until=until)
            for kind in KEPT_WORDS
            if counts.get(kind)
        )
    return Plan(
        request=request,
        active_episodes=active,
        expired_episode_ids=expired,
        kept=kept,
        kept_until=max(kept_by_until) if kept_by_until else None,
    )


def _open_request(request_id: int, by: User) -> DeletionRequest:
    request = (
        DeletionRequest.objects.select_for_update()
        .select_related("client__user")
        .filter(pk=request_id)
        .first()
    )
    if request is None or not may_decide_deletion(by, request):
        raise PermissionDenied
    if request.status != DeletionStatus.REQUESTED:
        raise ValidationError("This request has already been decided.")
    return request


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _notice(plan_: Plan, *, practice_name: str) -> str:
    lines = [
        "Hello,",
        "",
        f"{practice_name} has carried out your request to delete your data in Attune.",
        "",
        "Deleted now: your name and e-mail address, your password and sign-in, the messages "
        "you wrote in Attune, everything you wrote in words in your forms, your consultation "
        "requests, and your form links. You can no longer sign in.",
    ]
    if plan_.kept:
        lines += [
            "",
            "Kept, because the law requires health records to be kept after therapy ends "
            f"({retention_years()} years; {RETENTION_SOURCE}), without your name or address:",
        ]
        seen: dict[str, date] = {}
        for k in plan_.kept:
            seen[k.words] = max(k.until, seen.get(k.words, k.until))
        lines += [f"- {words}: until {_day(until)}" for words, until in seen.items()]
        lines += ["", "They are deleted after that day."]
    else:
        lines += ["", "Nothing else is kept: the retention period of your records is over."]
    lines += ["", "This e-mail is the last one Attune sends to this address."]
    return "\n".join(lines)


def _erase_written_answers(user: User) -> int:
    """Blank the free-text answers of every form the client filled in (scores stay)."""
    changed = 0
    responses = Response.all_objects.filter(respondent=user).select_related("instrument_version")
    for response in responses:
        text_codes = {
            item.code for item in response.instrument_version.parsed.items if item.type == "text"
        }
        answers = dict(response.answers or {})
        if not text_codes & answers.keys():
            continue
        for code in text_codes:
            answers.pop(code, None)
        response.answers = answers
        response.save(update_fields=["answers"])
        changed += 1
    return changed


def _sign_in_sessions(user: User) -> list[str]:
    keys = []
    for session in SignInSession.objects.filter(expire_date__gt=timezone.now()):
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            keys.append(session.session_key)
    return keys


def _outbox_to(address: str) -> list[int]:
    """Outbox e-mails (sent or waiting) addressed to ``address``, matched exactly."""
    address = address.lower()
    return [
        e.pk
        for e in Email.objects.filter(to__icontains=address).only("pk", "to")
        if address in {a.strip().lower() for a in e.to}
    ]


def carry_out(*, request_id: int, by: User, now: datetime | None = None) -> DeletionRequest:
    """Carry out a deletion request (see the module docstring). Only the practice's
    administrator may; an active therapy or a decided request is refused (ValidationError)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        request = _open_request(request_id, by)
        plan_ = plan(request, today)
        if plan_.active_episodes:
            raise ValidationError(
                "The client's therapy is still active. Their therapist records its ending "
                "first (the record is kept for the retention period from the end of "
                "treatment); or decline the request, saying why."
            )
        client: Client = request.client
        user: User = client.user
        address = user.email
        # 1. Records whose retention is already over go whole.
        purged = delete_episodes(plan_.expired_episode_ids, actor=by, detail="erasure")
        # 2. The client's own words and traces.
        erased = {
            "episodes_past_retention": purged["episodes"],
            "feedback_messages": FeedbackMessage.objects.filter(client=client).delete()[0],
            "ending_requests": EndingRequest.objects.filter(client=client).delete()[0],
            "written_answers": _erase_written_answers(user),
            "consultation_requests": ConsultationRequest.objects.filter(
                Q(email__iexact=address) | Q(client=client)
            )
            .delete()[1]
            .get("matching.ConsultationRequest", 0),
            "form_links": FormLink.objects.filter(client=user)
            .delete()[1]
            .get("reminders.FormLink", 0),
            "reminder_deliveries": ReminderDelivery.objects.filter(
                to_address__iexact=address
            ).delete()[0],
            "outbox_emails": Email.objects.filter(pk__in=_outbox_to(address))
            .delete()[1]
            .get("post_office.Email", 0),
            "sign_in_sessions": SignInSession.objects.filter(
                session_key__in=_sign_in_sessions(user)
            ).delete()[0],
            "email_addresses": EmailAddress.objects.filter(user=user).delete()[0],
            "second_factors": Authenticator.objects.filter(user=user).delete()[0],
            # The trail keeps that someone failed to sign in, not the address typed.
            "sign_in_logins": SignInEvent.objects.filter(login__iexact=address).update(login=""),
        }
        # 3. Tell the client, while their account still has the address. It comes after the
        # deletions (where a refusal could still undo the transaction) and before the last,
        # plain updates, so the e-mail never announces an erasure that was rolled back; with
        # the mail server down it waits in the outbox, committed with the erasure.
        notice = send(
            [address],
            "Your request to delete your data",
            _notice(plan_, practice_name=client.practice.name),
        )
        # 4. The account: no name, no address, no way in.
        client.preferred_name = ""
        client.save(update_fields=["preferred_name"])
        user.first_name = ""
        user.last_name = ""
        user.email = tombstone_email(user)
        user.is_active = False
        user.set_unusable_password()
        user.save(update_fields=["first_name", "last_name", "email", "is_active", "password"])
        erased["account"] = 1
        # 5. The decision, as the client was told it.
        request.status = DeletionStatus.DONE
        request.handled_by = by
        request.handled_at = now
        request.erased = erased
        request.kept = [
            {"kind": k.kind, "count": k.count, "until": k.until.isoformat()} for k in plan_.kept
        ]
        request.kept_until = plan_.kept_until
        request.notice_email = notice
        request.note = (
            f"Carried out. Kept until {_day(plan_.kept_until)} (health records law)."
            if plan_.kept_until
            else "Carried out. Nothing is kept."
        )
        request.save()
        audit(by, AuditAction.DELETE, user, detail="erasure")
        audit(by, AuditAction.UPDATE, request, detail="erasure")
    return request


def decline(
    *, request_id: int, by: User, reason: str, now: datetime | None = None
) -> DeletionRequest:
    """Decline a deletion request with a reason the client reads (e-mail and data page)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Say why the request is declined: the client reads the reason.")
    if len(reason) > 2000:
        raise ValidationError("Keep the reason under 2,000 characters.")
    if "\x00" in reason:
        raise ValidationError("The reason contains a character that cannot be stored.")
    now = now or timezone.now()
    with transaction.atomic():
        request = _open_request(request_id, by)
        user = request.client.user
        notice = send(
            [user.email],
            "Your request to delete your data",
            "Hello,\n\n"
            f"{request.client.practice.name} has declined your request to delete your data "
            "in Attune, for this reason:\n\n"
            f"{reason}\n\n"
            "You can read this on your data page in Attune and ask again at any time.",
        )
        request.status = DeletionStatus.DECLINED
        request.handled_by = by
        request.handled_at = now
        request.note = reason
        request.notice_email = notice
        request.save()
        audit(by, AuditAction.UPDATE, request, detail="declined")
    return request
