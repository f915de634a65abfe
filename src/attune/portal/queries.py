"""What a client sees: their open forms and their own sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.safestring import SafeString

from attune.accounts.models import User
from attune.care.engine_adapter import caseness, reliable_change
from attune.care.form_windows import (
    endings_asking_for_exit_feedback,
    fit_window_open,
    form_is_open,
    sessions_with_open_forms,
)
from attune.care.models import Attendance, Episode, EpisodeStatus, Goal, GoalRating, Session
from attune.care.queries import fit_check_at
from attune.clientportal.models import EndingRequest, FeedbackMessage, Intent
from attune.directory.rendering import render_markdown
from attune.measures.models import Phase, Response
from attune.practice.models import TherapistProfile


@dataclass(frozen=True)
class OpenForm:
    phase: str
    session: Session | None
    episode: Episode | None = None


def exit_forms(user: User, now: datetime) -> list[OpenForm]:
    """Exit feedback waiting for the client: their ended episodes whose ending asked for it
    (:func:`endings_asking_for_exit_feedback`) and that they have not answered yet. One query
    when there is none (the usual case), two otherwise."""
    endings = list(
        endings_asking_for_exit_feedback(now)
        .filter(episode__client__user=user)
        .select_related("episode__therapist")
        .order_by("-exit_requested_at")
    )
    if not endings:
        return []
    answered = set(
        Response.objects.filter(
            respondent=user, phase=Phase.EXIT, episode__in=[e.episode_id for e in endings]
        ).values_list("episode_id", flat=True)
    )
    return [
        OpenForm(phase=Phase.EXIT, session=None, episode=e.episode)
        for e in endings
        if e.episode_id not in answered
    ]


@dataclass(frozen=True)
class Waiting:
    """What waits for the client: open forms, and their next session."""

    forms: list[OpenForm]
    next_session: Session | None


def waiting_for_client(user: User, episode: Episode | None, now: datetime) -> Waiting:
    """Forms waiting for the client — check-in and feedback of their active episode, the fit
    check-in once it is due, and the exit feedback of an episode that ended recently (the
    client may have no active episode any more) — and the next session. The rules are
    :func:`form_is_open` and :func:`exit_forms`; the reads are the episode's sessions and the
    client's answers, once each (plus the exit feedback's)."""
    if episode is None:
        return Waiting(exit_forms(user, now), None)
    # Attended sessions (for the fit session) and the ones around now; ``session.episode`` is
    # ``episode`` itself (the related manager sets it), so the rules read no more.
    earliest, latest = sessions_with_open_forms(now)
    sessions = list(
        episode.sessions.filter(
            Q(attendance=Attendance.ATTENDED) | Q(scheduled_at__gte=earliest)
        ).order_by("scheduled_at", "number")
    )
    done = set(
        Response.objects.filter(
            respondent=user,
            episode=episode,
            phase__in=(Phase.CHECK_IN, Phase.FEEDBACK, Phase.FIT_CHECK),
        ).values_list("session_id", "phase")
    )
    forms = []
    for session in sessions:
        if not earliest <= session.scheduled_at <= latest:
            continue
        for phase in (Phase.FEEDBACK, Phase.CHECK_IN):
            if (session.pk, phase) not in done and form_is_open(session, phase, now):
                forms.append(OpenForm(phase=phase, session=session))
    attended = sorted(
        (s for s in sessions if s.attendance == Attendance.ATTENDED), key=lambda s: s.number
    )
    at = fit_check_at()
    fit = attended[at - 1] if len(attended) >= at else None  # care.queries.fit_session
    if (
        fit is not None
        and episode.status == EpisodeStatus.ACTIVE
        and fit_window_open(fit, now)
        and not any(phase == Phase.FIT_CHECK for _, phase in done)
    ):
        forms.append(OpenForm(phase=Phase.FIT_CHECK, session=fit))
    upcoming = next(
        (s for s in sessions if s.attendance == Attendance.SCHEDULED and s.scheduled_at >= now),
        None,
    )
    return Waiting(forms + exit_forms(user, now), upcoming)


def open_forms(user: User, episode: Episode | None, now: datetime) -> list[OpenForm]:
    """The forms of :func:`waiting_for_client`."""
    return waiting_for_client(user, episode, now).forms


def next_session(episode: Episode | None, now: datetime) -> Session | None:
    if episode is None:
        return None
    return (
        episode.sessions.filter(attendance=Attendance.SCHEDULED, scheduled_at__gte=now)
        .order_by("scheduled_at")
        .first()
    )


# ------------------------------------------------------------------------- progress in words

#: What each outcome questionnaire asks about, in a client's words.
ABOUT = {"phq9": "low mood", "gad7": "worry and anxiety"}
#: The order the questionnaires are shown in (each on its own graph, never mixed).
ORDER = ("phq9", "gad7")


@dataclass(frozen=True)
class ProgressPoint:
    """One check-in score: when, the score, and the questionnaire's own word for it."""

    at: datetime
    score: int
    band: str


@dataclass(frozen=True)
class ProgressLine:
    """One questionnaire's course for the client: the sentences, and the points of its graph.

    ``usual_below`` is the clinical cut-off (caseness) the engine uses — PHQ-9 10, GAD-7 8
    (caseness of the NHS Talking Therapies manual, PHQ-9 ≥ 10 and GAD-7 ≥ 8; Kroenke, Spitzer &
    Williams 2001; Spitzer, Kroenke, Williams & Löwe 2006; docs/sources.md, "Outcomes") — read from
    :func:`attune.care.engine_adapter.caseness`, so the graph's shaded "usual range" (scores below
    it) can never disagree with the alerts. None when the engine has no cut-off."""

    instrument: str
    about: str
    first: int
    latest: int
    count: int
    sentence: str
    band_sentence: str
    code: str = ""
    maximum: int = 0
    usual_below: int | None = None
    band: str = ""
    points: tuple[ProgressPoint, ...] = ()

    @property
    def in_usual_range(self) -> bool | None:
        if self.usual_below is None:
            return None
        return self.latest < self.usual_below


def progress_in_words(user: User, episode: Episode | None) -> list[ProgressLine]:
    """The client's check-in scores per questionnaire, first against latest, in plain language,
    with every score for the graph. No alerts, no clinical labels without an explanation. One
    query."""
    if episode is None:
        return []
    responses = (
        Response.objects.filter(
            respondent=user,
            episode=episode,
            phase=Phase.CHECK_IN,
            score__isnull=False,
            instrument_version__instrument__kind="outcome",
        )
        .select_related("instrument_version__instrument")
        # The scores only: neither the answers nor the definition are decoded for each form.
        .defer("answers", "scores", "instrument_version__definition")
        .order_by("submitted_at", "pk")
    )
    by_instrument: dict[str, list[Response]] = {}
    for response in responses:
        by_instrument.setdefault(response.instrument_version.instrument.code, []).append(response)
    therapist = episode.therapist.first_name or "your therapist"
    lines = []
    ordered = sorted(by_instrument, key=lambda c: (ORDER.index(c) if c in ORDER else 99, c))
    for code in ordered:
        given = by_instrument[code]
        first, latest = given[0], given[-1]
        instrument = latest.instrument_version.parsed
        scale = instrument.scales[0]
        name = instrument.short_name
        about = ABOUT.get(code, "")
        a, b = int(first.score or 0), int(latest.score or 0)
        if len(given) == 1:
            sentence = (
                f"Your first {name} check-in score was {a}. After a few more check-ins you will "
                "see here how things are moving."
            )
        else:
            change = b - a
            # "Clear" is the engine's reliable change, with the thresholds the alerts use.
            clear = reliable_change(code, a, b)
            went = "down" if change < 0 else "up"
            if clear == "improvement":
                sentence = (
                    f"Your {name} check-in scores have gone {went} from {a} to {b} since you "
                    "started: that usually means things are easing."
                )
            elif clear == "deterioration":
                sentence = (
                    f"Your {name} check-in scores have gone {went} from {a} to {b} since you "
                    "started. Things can get harder for a while in therapy; it is worth talking "
                    f"about with {therapist}."
                )
            else:
                sentence = (
                    f"Your {name} check-in scores have stayed about the same ({a} when you "
                    f"started, {b} now). Change often takes a while — and if you feel stuck, "
                    f"that is worth saying to {therapist}."
                )
        band = scale.band_for(b)
        band_sentence = (
            f"The questionnaire's own word for a score of {b} is \u201c{band.label.lower()}\u201d. "
            "It describes how the last two weeks felt, not who you are."
            if band
            else ""
        )
        cutoff = caseness(code)
        points = []
        for r in given:
            score = int(r.score or 0)
            word = scale.band_for(score)
            points.append(ProgressPoint(r.submitted_at, score, word.label.lower() if word else ""))
        lines.append(
            ProgressLine(
                name,
                about,
                a,
                b,
                len(given),
                sentence,
                band_sentence,
                code=code,
                maximum=scale.max,
                usual_below=None if cutoff is None else int(cutoff),
                band=band.label.lower() if band else "",
                points=tuple(points),
            )
        )
    return lines


def goals_with_ratings(episode: Episode | None) -> list[Goal]:
    if episode is None:
        return []
    return list(
        episode.goals.prefetch_related(
            Prefetch("ratings", queryset=GoalRating.objects.order_by("rated_at", "pk"))
        )
    )


@dataclass(frozen=True)
class ModalityExplainer:
    name: str
    summary: str
    explainer: SafeString


@dataclass(frozen=True)
class HowMyTherapistWorks:
    name: str
    how_i_work: SafeString
    modalities: list[ModalityExplainer]


@lru_cache(maxsize=256)
def _explainer_html(text: str) -> SafeString:
    """Rendering depends on the text alone: the same text, rendered once per process (the
    client home shows the explainers on every visit). An edited text is a new key."""
    return render_markdown(text, top_heading=3)


def how_my_therapist_works(episode: Episode | None) -> HowMyTherapistWorks | None:
    """The therapist's "how I work" and the explainers of her modalities, Markdown rendered
    safely."""
    if episode is None:
        return None
    profile = (
        TherapistProfile.objects.filter(user_id=episode.therapist_id)
        .prefetch_related("modalities")
        .first()
    )
    if profile is None:
        return None
    return HowMyTherapistWorks(
        name=episode.therapist.display_name,
        how_i_work=_explainer_html(profile.how_i_work),
        modalities=[
            ModalityExplainer(m.name, m.summary, _explainer_html(m.explainer))
            for m in profile.modalities.all()
        ],
    )


# --------------------------------------------------------------------------- the composer


def session_has_taken_place(session: Session, now: datetime) -> bool:
    if session.attendance == Attendance.ATTENDED:
        return True
    ends_at = session.scheduled_at + timedelta(minutes=session.duration_minutes)
    return session.attendance == Attendance.SCHEDULED and ends_at <= now


def bring_up_session(
    message: FeedbackMessage, sessions: list[Session], now: datetime
) -> Session | None:
    """For "bring it up next session": the first session after the client chose so that has
    taken place (cancelled and missed sessions move it on to the next one); None while it has
    not happened yet."""
    if message.intent != Intent.NEXT_SESSION:
        return None
    for session in sorted(sessions, key=lambda s: s.scheduled_at):
        ends_at = session.scheduled_at + timedelta(minutes=session.duration_minutes)
        if ends_at <= message.updated_at:
            continue  # over before the client chose "next session"
        if session_has_taken_place(session, now):
            return session
    return None


def therapist_can_read(message: FeedbackMessage, sessions: list[Session], now: datetime) -> bool:
    """Whether the therapist may read the words: shared (now or later), or kept for the next
    session with "show my words then" and that session has taken place. Never a draft."""
    if message.intent == Intent.DRAFT:
        return False
    if message.shared_at is not None:
        return True
    return message.share_at_session and bring_up_session(message, sessions, now) is not None


@dataclass(frozen=True)
class ClientMessage:
    """One line of the "From your client" panel on the episode page.

    ``kind``: ``shared`` (the words are shown), ``wants_to_talk`` (the client wants to talk
    about something next session; no words), ``talked`` (that session took place and the client
    kept the words), ``ending`` (the client asked for an ending conversation)."""

    kind: str
    at: datetime
    text: str = ""
    session: Session | None = None
    exit_response: Response | None = None
    pk: int | None = None


def feedback_for_therapist(episode: Episode, now: datetime | None = None) -> list[ClientMessage]:
    """What the treating therapist sees of the client's messages, newest first. Drafts never
    appear; words kept for the next session appear only as "wants to talk" until the client
    shares them (or chose to share them once the session has taken place). Three queries."""
    now = now or timezone.now()
    sessions = list(episode.sessions.all())  # prefetched on the episode page
    items: list[ClientMessage] = []
    for message in FeedbackMessage.objects.filter(episode=episode).exclude(intent=Intent.DRAFT):
        held = bring_up_session(message, sessions, now)
        if therapist_can_read(message, sessions, now):
            items.append(
                ClientMessage("shared", message.shared_at or now, message.text, held, pk=message.pk)
            )
        elif held is None:
            items.append(ClientMessage("wants_to_talk", message.updated_at, pk=message.pk))
        else:
            items.append(ClientMessage("talked", message.updated_at, session=held, pk=message.pk))
    requests = list(EndingRequest.objects.filter(episode=episode, withdrawn_at__isnull=True))
    if requests:
        exit_response = (
            Response.objects.filter(
                episode=episode, phase=Phase.EXIT, respondent_id=episode.client.user_id
            )
            .select_related("instrument_version__instrument")
            .first()
        )
        for request in requests:
            items.append(
                ClientMessage(
                    "ending",
                    request.requested_at,
                    request.reason,
                    exit_response=exit_response,
                    pk=request.pk,
                )
            )
    items.sort(key=lambda item: item.at, reverse=True)
    return items


@dataclass(frozen=True)
class OwnMessage:
    """A message as its author sees it in the portal, with what the therapist can see of it."""

    message: FeedbackMessage
    therapist_reads: bool
    status: str
    session: Session | None


def messages_of_client(user: User, episode: Episode | None, now: datetime) -> list[OwnMessage]:
    if episode is None:
        return []
    sessions = list(episode.sessions.all())
    own = []
    for message in FeedbackMessage.objects.filter(episode=episode, client__user=user):
        own.append(own_message(message, sessions, now))
    return own


def own_message(message: FeedbackMessage, sessions: list[Session], now: datetime) -> OwnMessage:
    reads = therapist_can_read(message, sessions, now)
    held = bring_up_session(message, sessions, now)
    if message.intent == Intent.DRAFT:
        status = "A private draft: only you can see it."
    elif message.shared_at is not None:
        status = f"Shared with your therapist on {timezone.localtime(message.shared_at):%-d %B}."
    elif reads:
        status = "Your therapist can read it now: the session you chose has taken place."
    elif held is not None:
        status = (
            "The session has taken place; your words stayed with you. You can still share them."
        )
    else:
        status = (
            "For your next session: your therapist sees that you would like to talk about "
            "something, but not your words."
        )
    return OwnMessage(message, reads, status, held)
