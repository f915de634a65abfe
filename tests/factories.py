"""factory_boy factories: one (at least) for every model of ``attune`` (issue 15).

Each factory builds a valid record with its relations, all in one practice: ``EpisodeFactory()``
makes a practice, a client (with their user) and a therapist (with her profile) in it. Pass the
records you have to join them: ``EpisodeFactory(client=…, therapist=…)``.

``tests/test_factories.py`` checks that every model of ``attune`` has a factory here and that
each one saves a record that passes ``full_clean``: a new model without a factory fails it.

Users get the tests' password (``PASSWORD``) through ``create_user``, so ``sign_in`` works.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from attune.accounts.models import Role, SignInEvent, SignInKind, User
from attune.alerts.models import Alert, AlertEvent, AlertEventKind, AlertStatus, Severity
from attune.audit.models import AuditAction, AuditEvent
from attune.care.models import (
    Attendance,
    Client,
    Ending,
    EndingKind,
    Episode,
    EpisodeStatus,
    Goal,
    GoalRating,
    Referral,
    Session,
)
from attune.clientportal.models import DeletionRequest, EndingRequest, FeedbackMessage, Intent
from attune.crypto import encrypt_json
from attune.directory.models import Article, DirectoryEntry
from attune.engine.instruments import definition_checksum, score
from attune.integrations.models import CalendarFeed, ExportJob, PersonalAccessToken
from attune.matching.models import (
    Author,
    ConsultationLink,
    ConsultationMessage,
    ConsultationRequest,
)
from attune.measures.definitions_sync import current_version
from attune.measures.models import Instrument, InstrumentVersion, Phase, Response
from attune.notes.models import ProcessNote
from attune.notes.services import clean_content
from attune.notifications.models import NoticeKind, SafetyNotification
from attune.practice.models import Modality, Practice, ProblemArea, TherapistProfile
from attune.reminders.models import FormLink, LinkPhase, ReminderDelivery
from attune.supervision.models import SupervisionNote

PASSWORD = "a-long-test-password"  # the same as tests.conftest.PASSWORD


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _now():
    return timezone.now()


# ----------------------------------------------------------------------------- practice


class PracticeFactory(DjangoModelFactory):
    class Meta:
        model = Practice

    name = factory.Sequence(lambda n: f"Practice {n}")
    slug = factory.Sequence(lambda n: f"practice-{n}")


class ModalityFactory(DjangoModelFactory):
    class Meta:
        model = Modality

    slug = factory.Sequence(lambda n: f"modality-{n}")
    name = factory.Sequence(lambda n: f"Modality {n}")


class ProblemAreaFactory(DjangoModelFactory):
    class Meta:
        model = ProblemArea

    slug = factory.Sequence(lambda n: f"problem-area-{n}")
    name = factory.Sequence(lambda n: f"Problem area {n}")


# ----------------------------------------------------------------------------- people


class UserFactory(DjangoModelFactory):
    """A client by default; the subclasses below give the other roles."""

    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = factory.Sequence(lambda n: f"Last{n}")
    role = Role.CLIENT
    practice = factory.SubFactory(PracticeFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        password = kwargs.pop("password", PASSWORD)
        return model_class.objects.create_user(kwargs.pop("email"), password, **kwargs)


class TherapistProfileFactory(DjangoModelFactory):
    class Meta:
        model = TherapistProfile
        django_get_or_create = ("user",)

    practice = factory.SubFactory(PracticeFactory)
    user = factory.SubFactory(
        UserFactory,
        role=Role.THERAPIST,
        practice=factory.SelfAttribute("..practice"),
        email=factory.Sequence(lambda n: f"therapist{n}@example.org"),
    )


class TherapistFactory(UserFactory):
    """A therapist with her profile (as every therapist of a practice has)."""

    role = Role.THERAPIST
    email = factory.Sequence(lambda n: f"therapist{n}@example.org")
    profile = factory.RelatedFactory(
        TherapistProfileFactory,
        factory_related_name="user",
        practice=factory.SelfAttribute("..practice"),
    )

    class Meta:
        skip_postgeneration_save = True

    @factory.post_generation
    def supervisors(self, create, extracted, **kwargs):
        if create and extracted:
            self.therapist_profile.supervisors.add(*extracted)


class SupervisorFactory(UserFactory):
    role = Role.SUPERVISOR
    email = factory.Sequence(lambda n: f"supervisor{n}@example.org")


class PracticeAdminFactory(UserFactory):
    role = Role.PRACTICE_ADMIN
    is_staff = True
    email = factory.Sequence(lambda n: f"admin{n}@example.org")


class SuperuserFactory(UserFactory):
    role = Role.PRACTICE_ADMIN
    is_staff = True
    is_superuser = True
    email = factory.Sequence(lambda n: f"root{n}@example.org")


class SignInEventFactory(DjangoModelFactory):
    class Meta:
        model = SignInEvent

    kind = SignInKind.SIGNED_IN
    user = factory.SubFactory(UserFactory)
    login = factory.SelfAttribute("user.email")
    ip = "192.0.2.1"


# ----------------------------------------------------------------------------- care


class ClientFactory(DjangoModelFactory):
    class Meta:
        model = Client

    practice = factory.SubFactory(PracticeFactory)
    user = factory.SubFactory(
        UserFactory,
        role=Role.CLIENT,
        practice=factory.SelfAttribute("..practice"),
        email=factory.Sequence(lambda n: f"client{n}@example.org"),
    )


class EpisodeFactory(DjangoModelFactory):
    """An active episode, begun 60 days ago, of a new client with a new therapist of one
    practice (pass ``client=`` / ``therapist=`` to use yours)."""

    class Meta:
        model = Episode

    client = factory.SubFactory(ClientFactory)
    therapist = factory.SubFactory(
        TherapistFactory, practice=factory.SelfAttribute("..client.practice")
    )
    started_on = factory.LazyFunction(lambda: date.today() - timedelta(days=60))


class EndedEpisodeFactory(EpisodeFactory):
    status = EpisodeStatus.ENDED_PLANNED
    ended_on = factory.LazyFunction(date.today)


class SessionFactory(DjangoModelFactory):
    """A session; ``number`` counts on from the episode's last one."""

    class Meta:
        model = Session

    episode = factory.SubFactory(EpisodeFactory)
    number = factory.LazyAttribute(lambda o: o.episode.sessions.count() + 1)
    scheduled_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
    attendance = Attendance.SCHEDULED


class AttendedSessionFactory(SessionFactory):
    scheduled_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=7))
    attendance = Attendance.ATTENDED


class GoalFactory(DjangoModelFactory):
    class Meta:
        model = Goal

    episode = factory.SubFactory(EpisodeFactory)
    description = factory.Sequence(lambda n: f"Goal {n} in the client's words")


class GoalRatingFactory(DjangoModelFactory):
    class Meta:
        model = GoalRating

    goal = factory.SubFactory(GoalFactory)
    rating = 5
    rated_at = factory.LazyFunction(_now)


class EndingFactory(DjangoModelFactory):
    class Meta:
        model = Ending

    episode = factory.SubFactory(EndedEpisodeFactory)
    kind = EndingKind.PLANNED
    ended_on = factory.SelfAttribute("episode.ended_on")
    recorded_by = factory.SelfAttribute("episode.therapist")
    recorded_at = factory.LazyFunction(_now)


class ReferralFactory(DjangoModelFactory):
    """A warm referral: the first episode ended as transferred, the client's new episode with a
    colleague of the same practice."""

    class Meta:
        model = Referral

    from_episode = factory.SubFactory(
        EpisodeFactory, status=EpisodeStatus.TRANSFERRED, ended_on=factory.LazyFunction(date.today)
    )
    to_episode = factory.SubFactory(
        EpisodeFactory,
        client=factory.SelfAttribute("..from_episode.client"),
        therapist=factory.SubFactory(
            TherapistFactory, practice=factory.SelfAttribute("...from_episode.client.practice")
        ),
        referred_from=factory.SelfAttribute("..from_episode"),
        started_on=factory.LazyFunction(date.today),
    )
    to_therapist = factory.SelfAttribute("to_episode.therapist")
    created_by = factory.SelfAttribute("from_episode.therapist")
    consent_recorded_at = factory.LazyFunction(date.today)


# ----------------------------------------------------------------------------- measures


class InstrumentFactory(DjangoModelFactory):
    class Meta:
        model = Instrument

    code = factory.Sequence(lambda n: f"instrument_{n}")
    name = factory.Sequence(lambda n: f"Instrument {n}")
    short_name = factory.Sequence(lambda n: f"I{n}")
    kind = "outcome"


def _definition_like_phq9(code: str) -> dict:
    definition = dict(current_version("phq9").definition)
    definition["code"] = code
    return definition


class InstrumentVersionFactory(DjangoModelFactory):
    """A new instrument with the PHQ-9's items under its own code."""

    class Meta:
        model = InstrumentVersion

    instrument = factory.SubFactory(InstrumentFactory)
    version = "1"
    definition = factory.LazyAttribute(lambda o: _definition_like_phq9(o.instrument.code))
    checksum = factory.LazyAttribute(lambda o: definition_checksum(o.definition))


def _feedback_version() -> InstrumentVersion:
    return current_version("session_feedback")


def _feedback_scores(o) -> dict:
    return score(o.instrument_version.parsed, o.answers).as_dict()


class ResponseFactory(DjangoModelFactory):
    """Session feedback (the shipped instrument), scored by the engine, each dimension
    ``each`` out of 10."""

    class Meta:
        model = Response
        exclude = ("each",)

    each = 8
    session = factory.SubFactory(AttendedSessionFactory)
    episode = factory.SelfAttribute("session.episode")
    instrument_version = factory.LazyFunction(_feedback_version)
    respondent = factory.SelfAttribute("episode.client.user")
    phase = Phase.FEEDBACK
    answers = factory.LazyAttribute(
        lambda o: {d: o.each for d in ("bond", "goals", "approach", "overall")} | {"rupture": "no"}
    )
    scores = factory.LazyAttribute(_feedback_scores)
    score = factory.LazyAttribute(lambda o: 4 * o.each)
    idempotency_key = factory.LazyFunction(uuid.uuid4)
    submitted_at = factory.LazyFunction(_now)


# ----------------------------------------------------------------------------- alerts


class AlertFactory(DjangoModelFactory):
    class Meta:
        model = Alert

    episode = factory.SubFactory(EpisodeFactory)
    kind = "low_alliance"
    severity = Severity.YELLOW
    status = AlertStatus.OPEN
    title = "Low alliance"
    explanation = "The alliance was low in the last session."
    evidence = factory.LazyFunction(lambda: {"session": 3})
    source = "test"
    suggested_actions = factory.LazyFunction(lambda: ["Ask about it next session."])
    dedupe_key = factory.Sequence(lambda n: f"test-{n}")
    opened_at = factory.LazyFunction(_now)


class AlertEventFactory(DjangoModelFactory):
    class Meta:
        model = AlertEvent

    alert = factory.SubFactory(AlertFactory)
    kind = AlertEventKind.ACKNOWLEDGED
    actor = factory.SelfAttribute("alert.episode.therapist")
    at = factory.LazyFunction(_now)


class SafetyNotificationFactory(DjangoModelFactory):
    class Meta:
        model = SafetyNotification

    alert = factory.SubFactory(
        AlertFactory, kind="safety", severity=Severity.URGENT, title="Safety item"
    )
    kind = NoticeKind.THERAPIST
    recipients = factory.LazyAttribute(lambda o: [o.alert.episode.therapist.email])
    queued_at = factory.LazyFunction(_now)


# ----------------------------------------------------------------------------- portal


class FeedbackMessageFactory(DjangoModelFactory):
    """A message the client shared now."""

    class Meta:
        model = FeedbackMessage

    episode = factory.SubFactory(EpisodeFactory)
    client = factory.SelfAttribute("episode.client")
    text = "Something I wanted you to know."
    intent = Intent.SHARE_NOW
    created_at = factory.LazyFunction(_now)
    updated_at = factory.SelfAttribute("created_at")
    shared_at = factory.SelfAttribute("created_at")
    idempotency_key = factory.LazyFunction(uuid.uuid4)


class EndingRequestFactory(DjangoModelFactory):
    class Meta:
        model = EndingRequest

    episode = factory.SubFactory(EpisodeFactory)
    client = factory.SelfAttribute("episode.client")
    reason = "I feel ready."
    requested_at = factory.LazyFunction(_now)


class DeletionRequestFactory(DjangoModelFactory):
    class Meta:
        model = DeletionRequest

    client = factory.SubFactory(ClientFactory)
    requested_at = factory.LazyFunction(_now)


# ----------------------------------------------------------------------------- notes, audit


def _sealed_note(o) -> str:
    content = clean_content(body=o.body, themes=[], countertransference="")
    return encrypt_json(content.to_json())


class ProcessNoteFactory(DjangoModelFactory):
    """A private note by the treating therapist, sealed as ``notes.services`` seals one."""

    class Meta:
        model = ProcessNote
        exclude = ("body",)

    body = "What happened between us today."
    session = factory.SubFactory(AttendedSessionFactory)
    episode = factory.SelfAttribute("session.episode")
    author = factory.SelfAttribute("episode.therapist")
    ciphertext = factory.LazyAttribute(_sealed_note)


class AuditEventFactory(DjangoModelFactory):
    class Meta:
        model = AuditEvent
        exclude = ("episode",)

    episode = factory.SubFactory(EpisodeFactory)
    actor = factory.SelfAttribute("episode.therapist")
    action = AuditAction.READ
    object_type = "care.Episode"
    object_id = factory.LazyAttribute(lambda o: str(o.episode.pk))
    episode_id = factory.LazyAttribute(lambda o: o.episode.pk)


class SupervisionNoteFactory(DjangoModelFactory):
    class Meta:
        model = SupervisionNote

    episode = factory.SubFactory(EpisodeFactory)
    author = factory.SubFactory(
        SupervisorFactory, practice=factory.SelfAttribute("..episode.client.practice")
    )
    created_at = factory.LazyFunction(_now)
    discussion = "We talked about the rupture in session 3."


# ----------------------------------------------------------------------------- reminders


class FormLinkFactory(DjangoModelFactory):
    """A check-in link for the upcoming session; ``token`` is the secret the e-mail carries
    (only its SHA-256 is stored)."""

    class Meta:
        model = FormLink
        exclude = ("token",)

    token = factory.Sequence(lambda n: f"form-link-{n:033d}")  # 43 URL-safe characters
    session = factory.SubFactory(SessionFactory)
    episode = factory.SelfAttribute("session.episode")
    client = factory.SelfAttribute("episode.client.user")
    phase = LinkPhase.CHECK_IN
    token_hash = factory.LazyAttribute(lambda o: sha256(o.token))
    created_at = factory.LazyFunction(_now)
    expires_at = factory.LazyAttribute(lambda o: o.created_at + timedelta(days=7))


class ReminderDeliveryFactory(DjangoModelFactory):
    class Meta:
        model = ReminderDelivery

    link = factory.SubFactory(FormLinkFactory)
    episode = factory.SelfAttribute("link.episode")
    session = factory.SelfAttribute("link.session")
    phase = factory.SelfAttribute("link.phase")
    to_address = factory.SelfAttribute("link.client.email")
    created_at = factory.LazyFunction(_now)


# ----------------------------------------------------------------------------- directory


class ArticleFactory(DjangoModelFactory):
    class Meta:
        model = Article

    slug = factory.Sequence(lambda n: f"article-{n}")
    title = factory.Sequence(lambda n: f"Article {n}")
    body = "What therapy is like, in plain words."
    author = factory.SubFactory(TherapistProfileFactory)
    published = True


class DirectoryEntryFactory(DjangoModelFactory):
    class Meta:
        model = DirectoryEntry

    profile = factory.SubFactory(TherapistProfileFactory)
    district = "Kreuzberg, Berlin"


# ----------------------------------------------------------------------------- matching


class ConsultationRequestFactory(DjangoModelFactory):
    class Meta:
        model = ConsultationRequest

    therapist = factory.SubFactory(TherapistFactory)
    name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.Sequence(lambda n: f"asking{n}@example.org")
    proposed_times = factory.LazyFunction(
        lambda: [(timezone.now() + timedelta(days=d)).isoformat() for d in (3, 4)]
    )


class ConsultationMessageFactory(DjangoModelFactory):
    class Meta:
        model = ConsultationMessage

    request = factory.SubFactory(ConsultationRequestFactory)
    author = Author.PERSON
    body = "Is Tuesday possible?"


class ConsultationLinkFactory(DjangoModelFactory):
    class Meta:
        model = ConsultationLink
        exclude = ("token",)

    token = factory.Sequence(lambda n: f"consult-{n:035d}")  # 43 URL-safe characters
    request = factory.SubFactory(ConsultationRequestFactory)
    token_hash = factory.LazyAttribute(lambda o: sha256(o.token))
    created_at = factory.LazyFunction(_now)
    expires_at = factory.LazyAttribute(lambda o: o.created_at + timedelta(days=30))


# ----------------------------------------------------------------------------- api


class PersonalAccessTokenFactory(DjangoModelFactory):
    class Meta:
        model = PersonalAccessToken
        exclude = ("token",)

    token = factory.Sequence(lambda n: f"attune_pat_test_{n:08d}")
    user = factory.SubFactory(TherapistFactory)
    name = "Test token"
    prefix = factory.LazyAttribute(lambda o: o.token[:12])
    digest = factory.LazyAttribute(lambda o: sha256(o.token))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=90))


class CalendarFeedFactory(DjangoModelFactory):
    class Meta:
        model = CalendarFeed
        exclude = ("secret",)

    secret = factory.Sequence(lambda n: f"calendar-secret-{n:08d}")
    user = factory.SubFactory(TherapistFactory)
    prefix = factory.LazyAttribute(lambda o: o.secret[:8])
    digest = factory.LazyAttribute(lambda o: sha256(o.secret))


class ExportJobFactory(DjangoModelFactory):
    class Meta:
        model = ExportJob

    practice = factory.SubFactory(PracticeFactory)
    requested_by = factory.SubFactory(
        PracticeAdminFactory, practice=factory.SelfAttribute("..practice")
    )
    types = factory.LazyFunction(lambda: ["Patient"])
    request_url = "/fhir/r4/$export"
