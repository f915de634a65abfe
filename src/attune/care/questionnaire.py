"""One questionnaire, whichever way it is answered: the client's portal (check-in, session
feedback, fit check-in, exit feedback), an e-mailed link (``/f/<token>/``, ``reminders``), or
the therapist's side of the fit check-in (``workspace.episode_actions.fit_check``, in her words).

The one flow of its page (issue 15: the portal's session forms, its exit feedback, the link
page and the therapist's fit check-in each had their own copy):

- :func:`form_or_answers` — on a GET the form, blank or filled in again with what was kept for
  a safety answer; on a POST the answers read from the instrument definitions, or the form
  again when the page's idempotency key could not be read;
- :func:`submit_answers` — the service that stores them, by phase;
- :meth:`FormAnswers.again` — the form again after a refused submission: every answer as typed,
  each problem with its message, the crisis contacts at once when a safety answer was kept;
- :func:`thanks_context` — the thank-you page's responses and crisis contacts.

Whether the form is open is ``care.form_windows.questionnaire_is_open``. The views keep what
differs: who may open the form, how the idempotency key is read, what a closed or spent form
shows and where the thank-you page is.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.http import QueryDict

from attune import conf
from attune.accounts.models import User
from attune.care.endings import submit_exit_feedback
from attune.care.fit import submit_fit_check
from attune.care.models import Episode, Session
from attune.care.submission import (
    FormSubmission,
    form_in_progress,
    form_versions,
    highest_safety_level,
    submit_form,
)
from attune.measures.form_layout import FormSection, answers_from_post, layout
from attune.measures.models import InstrumentVersion, Phase, Response

#: The form's heading, by phase (a phase arrives as a URL's or a link's ``str``).
FORM_TITLES: dict[str, str] = {
    Phase.CHECK_IN: "Check-in before your session",
    Phase.FEEDBACK: "How was your session?",
    Phase.FIT_CHECK: "Fit check-in: how is working together going?",
    Phase.EXIT: "Tell us about your therapy",
}
FORM_ERROR = "A few answers need another look. Everything else you entered is kept."
KEY_ERROR = (
    "We couldn't read part of the form. Your answers are still here: please check them and "
    "send again."
)


@dataclass(frozen=True)
class FormPage:
    """The form to show, with the HTTP status: its sections (``measures.form_layout``), the
    page's idempotency key, what to say at the top, and the highest safety level a kept answer
    carries (for the crisis contacts)."""

    sections: list[FormSection]
    idempotency_key: uuid.UUID
    form_error: str = ""
    safety_level: str = ""
    status: int = 200

    @property
    def context(self) -> dict[str, object]:
        """What the form's template (``portal/form.html``) adds to the view's context."""
        page: dict[str, object] = {
            "sections": self.sections,
            "idempotency_key": self.idempotency_key,
        }
        if self.form_error:
            page["form_error"] = self.form_error
        return page | safety_message_context(self.safety_level)


@dataclass(frozen=True)
class FormAnswers:
    """A POST's answers and its readable idempotency key, ready to submit."""

    versions: Sequence[InstrumentVersion]
    answers: dict[str, dict[str, str]]
    key: uuid.UUID

    def again(self, submission: FormSubmission, form_error: str = FORM_ERROR) -> FormPage:
        """Every answer as typed, each problem with its message, and — when a safety answer was
        kept — the crisis contacts at once, before the rest of the form."""
        return FormPage(
            layout(self.versions, self.answers, submission.errors),
            self.key,
            form_error=form_error,
            safety_level=submission.safety_level,
            status=400,
        )


def posted_key(request_method: str | None, post: QueryDict) -> uuid.UUID | None:
    """The idempotency key a POSTed form page carries, or ``None`` (not a POST, or no key that
    reads as a UUID). The client's portal reads it with its Django form (``portal.forms``)."""
    if request_method != "POST":
        return None
    try:
        return uuid.UUID(post.get("idempotency_key", ""))
    except ValueError:
        return None


def form_or_answers(
    post: QueryDict | None,
    key: uuid.UUID | None,
    *,
    episode: Episode,
    session: Session | None,
    respondent: User,
    phase: str,
    key_error: str = KEY_ERROR,
) -> FormPage | FormAnswers:
    """``post`` is the request's POST, ``None`` on a GET; ``key`` the idempotency key the view
    read from it (``None`` when it could not). On a GET: the form, empty, or filled in again
    with what was kept for a safety answer. On a POST: the answers to submit, or the form
    again (400, saying ``key_error``) when the key could not be read."""
    versions = form_versions(phase)
    if post is None:
        kept = form_in_progress(
            episode=episode, session=session, respondent=respondent, phase=phase
        )
        if kept is None:
            return FormPage(layout(versions), uuid.uuid4())
        return FormPage(
            layout(versions, kept.answers), kept.idempotency_key, safety_level=kept.safety_level
        )
    answers = answers_from_post(post, versions)
    if key is None:
        return FormPage(layout(versions, answers), uuid.uuid4(), form_error=key_error, status=400)
    return FormAnswers(versions, answers, key)


def submit_answers(
    *,
    episode: Episode,
    session: Session | None,
    respondent: User,
    phase: str,
    answers: Mapping[str, Mapping[str, object]],
    idempotency_key: uuid.UUID,
) -> FormSubmission:
    """Store a questionnaire's answers through the service of its phase: the exit feedback
    (``care.endings``), the fit check-in (``care.fit``), a check-in or session feedback
    (``care.submission.submit_form``)."""
    if phase == Phase.EXIT:
        return submit_exit_feedback(
            episode=episode, respondent=respondent, answers=answers, idempotency_key=idempotency_key
        )
    if phase == Phase.FIT_CHECK:
        assert session is not None  # the fit check-in belongs to the session it was asked after
        return submit_fit_check(
            episode=episode,
            session=session,
            respondent=respondent,
            answers=answers,
            idempotency_key=idempotency_key,
        )
    return submit_form(
        episode=episode,
        session=session,
        respondent=respondent,
        phase=phase,
        answers=answers,
        idempotency_key=idempotency_key,
    )


def thanks_context(responses: list[Response]) -> dict[str, object]:
    """The thank-you page (``portal/thanks.html``): the stored responses, and the crisis
    contacts when one of them carries a safety answer."""
    level = highest_safety_level(r.safety_level for r in responses)
    return {"responses": responses} | safety_message_context(level)


def safety_message_context(level: str) -> dict[str, object]:
    """What the client's page needs to say after a safety answer: that it was kept, what
    happens now (from the settings, never a promise beyond them) and the crisis contacts."""
    if not level:
        return {"safety": False}
    hours = conf.safety_escalate_after(level).total_seconds() / 3600
    return {"safety": True, "safety_level": level, "safety_hours": f"{hours:g}"}
