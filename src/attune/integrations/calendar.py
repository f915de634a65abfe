"""A therapist's private, revocable calendar feed (RFC 5545 iCalendar) of her sessions.

Calendar programs cannot send a bearer token, so the secret is in the address, as with every
calendar subscription; only its SHA-256 digest is stored, one feed is live per therapist
(a new one ends the old), and revoking it ends the address at once. The events hold no
clinical content and no name — the fact that someone sees a therapist is itself health data,
and a subscribed calendar is copied to whoever hosts it: each event says "Attune session",
when, how long, and links to the episode page, which asks for a sign-in.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from attune.accounts.models import User
from attune.audit.models import AuditAction
from attune.audit.services import record
from attune.care.models import Attendance, EpisodeStatus, Session
from attune.integrations.models import CalendarFeed
from attune.integrations.tokens import digest_of

FEED_PREFIX = "cal_"
#: Sessions from this long ago onwards are in the feed (and everything ahead).
PAST = timedelta(days=60)


def live_feed(user: User) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first()


@transaction.atomic
def create_feed(user: User, *, now: datetime | None = None) -> tuple[CalendarFeed, str]:
    """A new secret address; the previous one (if any) stops working."""
    now = now or timezone.now()
    for old in CalendarFeed.objects.select_for_update().filter(user=user, revoked_at__isnull=True):
        revoke_feed(old, user, now=now)
    secret = FEED_PREFIX + secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(
        user=user, prefix=secret[:10], digest=digest_of(secret), created_at=now
    )
    record(user, AuditAction.CREATE, feed, detail="calendar feed")
    return feed, secret


def revoke_feed(feed: CalendarFeed, by: User, *, now: datetime | None = None) -> None:
    if feed.revoked_at is not None:
        return
    feed.revoked_at = now or timezone.now()
    feed.save(update_fields=["revoked_at"])
    record(by, AuditAction.UPDATE, feed, detail="calendar feed revoked")


def feed_for(secret: str) -> CalendarFeed | None:
    """The live feed behind a secret (its holder still an active therapist), the use audited."""
    if not secret.startswith(FEED_PREFIX) or len(secret) > 100:
        return None
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(digest=digest_of(secret), revoked_at__isnull=True)
        .first()
    )
    if feed is None or not feed.user.is_active or not feed.user.has_perm("api.keep_calendar"):
        return None
    now = timezone.now()
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
    record(feed.user, AuditAction.READ, feed, detail="calendar feed")
    return feed


def calendar(
    user: User, *, host: str, episode_url: Callable[[int], str], now: datetime | None = None
) -> str:
    """The iCalendar text: one VEVENT per booked or attended session of her active episodes
    from ``PAST`` ago on; ``episode_url`` gives the address of an episode's page."""
    now = now or timezone.now()
    sessions = (
        Session.objects.filter(
            episode__therapist=user,
            episode__status=EpisodeStatus.ACTIVE,
            scheduled_at__gte=now - PAST,
            attendance__in=[Attendance.SCHEDULED, Attendance.ATTENDED],
        )
        .order_by("scheduled_at", "pk")
        .values_list("pk", "episode_id", "scheduled_at", "duration_minutes")
    )

    def utc(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Attune//Sessions//EN",
        "CALSCALE:GREGORIAN",
        "X-WR-CALNAME:Attune sessions",
    ]
    for pk, episode_id, start, minutes in sessions:
        lines += [
            "BEGIN:VEVENT",
            f"UID:session-{pk}@{host}",
            f"DTSTAMP:{utc(now)}",
            f"DTSTART:{utc(start)}",
            f"DTEND:{utc(start + timedelta(minutes=minutes))}",
            "SUMMARY:Attune session",
            f"URL:{episode_url(episode_id)}",
            "CLASS:PRIVATE",
            "TRANSP:OPAQUE",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"
