"""The therapist's forms: what a field accepts and how it looks. The rules about the episode
(dates, who may be referred to, once-only endings) live in the services: ``care.sessions``,
``care.endings``, ``care.warm_referral``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from django import forms
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from attune.accounts.models import User
from attune.care.endings import ENDING_NOTE_MAX
from attune.care.models import Attendance, EndingKind, Episode, Session
from attune.care.sessions import DURATION_MINUTES, PROGRESS_NOTE_MAX
from attune.care.warm_referral import CONSENT_NOTE_MAX
from attune.matching.referral import language_choices
from attune.practice.models import Modality
from attune.record_fields import RecordChoiceField, RecordMultipleChoiceField

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
TIME = forms.TimeInput(format="%H:%M", attrs={"type": "time"})


def modalities_for(therapist: User) -> tuple[QuerySet[Modality], int]:
    """Every modality, the therapist's own (from her profile) first; and how many are hers."""
    mine = list(Modality.objects.filter(therapists__user=therapist).values_list("pk", flat=True))
    ordered = Modality.objects.annotate(
        own=Case(When(pk__in=mine, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("own", "name")
    return ordered, len(mine)


class _Form(forms.Form):
    """Labels without a trailing colon."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class SessionRecordForm(_Form):
    attendance = forms.ChoiceField(
        choices=Attendance.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Please choose how the session went."},
    )
    modalities = RecordMultipleChoiceField(
        queryset=Modality.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Modalities used",
    )
    progress_note = forms.CharField(
        required=False,
        max_length=PROGRESS_NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        label="Progress note",
        help_text="The shared clinical record. Private process notes are kept separately.",
    )

    def __init__(self, *args: Any, therapist: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        queryset, self.own_modality_count = modalities_for(therapist)
        cast(RecordMultipleChoiceField, self.fields["modalities"]).queryset = queryset

    @classmethod
    def initial_for(cls, session: Session) -> dict[str, Any]:
        return {
            "attendance": session.attendance,
            "modalities": [m.pk for m in session.modalities.all()],
            "progress_note": session.progress_note,
        }


class ScheduleSessionForm(_Form):
    scheduled_date = forms.DateField(label="Date", widget=DATE)
    scheduled_time = forms.TimeField(label="Time", widget=TIME)
    duration_minutes = forms.IntegerField(
        label="Duration (minutes)", min_value=DURATION_MINUTES[0], max_value=DURATION_MINUTES[1]
    )

    @classmethod
    def initial_for(cls, episode: Episode, now: datetime) -> dict[str, Any]:
        """A week after the latest session, same time and length: the usual rhythm."""
        last = episode.sessions.order_by("-number").first()
        if last is None:
            start = timezone.localtime(now).replace(minute=0, second=0, microsecond=0)
            start += timedelta(days=7)
            return {"scheduled_date": start.date(), "scheduled_time": start.time(),
                    "duration_minutes": 50}  # fmt: skip
        start = timezone.localtime(last.scheduled_at) + timedelta(days=7)
        while start < now:
            start += timedelta(days=7)
        return {
            "scheduled_date": start.date(),
            "scheduled_time": start.time().replace(second=0, microsecond=0),
            "duration_minutes": last.duration_minutes,
        }

    def scheduled_at(self) -> datetime:
        data = self.cleaned_data
        naive = datetime.combine(data["scheduled_date"], data["scheduled_time"])
        return timezone.make_aware(naive)


class RankingForm(_Form):
    """What the colleagues are ranked on besides the client's problem areas (sent with GET, and
    again with the referral so that a form shown with a message keeps the same order)."""

    approach = RecordChoiceField(
        queryset=Modality.objects.order_by("name"),
        required=False,
        label="Approach wanted",
        empty_label="No particular approach",
        error_messages={"invalid_choice": "Please choose an approach from the list."},
    )
    language = forms.ChoiceField(
        choices=[("", "Any language")] + language_choices(),
        required=False,
        label="Language",
        error_messages={"invalid_choice": "Please choose a language from the list."},
    )

    def preferences(self) -> tuple[Modality | None, str]:
        """The approach and language asked for; nothing for a value that isn't valid."""
        if not self.is_bound or not self.is_valid():
            return self.initial.get("approach"), self.initial.get("language", "")
        return self.cleaned_data["approach"], self.cleaned_data["language"]


class ReferralForm(_Form):
    to_therapist = RecordChoiceField(
        queryset=User.objects.none(),
        label="Colleague",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Please choose a colleague.",
            "invalid_choice": "Please choose a colleague from this practice.",
        },
    )
    consent = forms.BooleanField(
        label="The client agrees to this referral and to the colleague seeing their earlier "
        "PHQ-9 and GAD-7 scores.",
        error_messages={
            "required": "Please record the client's consent: a warm referral is made with the "
            "client, not for them."
        },
    )
    consent_on = forms.DateField(label="Date of consent", widget=DATE)
    handover_email = forms.BooleanField(
        required=False,
        label="The client agreed that we tell them by e-mail who takes over (the colleague's "
        "name and a sign-in link; nothing about the therapy).",
    )
    consent_note = forms.CharField(
        label="Note on the consent and the handover",
        required=False,
        max_length=CONSENT_NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The colleague reads this on the new episode. It is never sent by e-mail.",
    )

    def __init__(self, *args: Any, colleagues: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Every colleague of the practice: choosing one who is not accepting new clients gets
        # its own message from the service, not "choose a colleague from this practice".
        cast(RecordChoiceField, self.fields["to_therapist"]).queryset = colleagues


class EndingForm(_Form):
    kind = forms.ChoiceField(
        choices=EndingKind.choices,
        widget=forms.RadioSelect,
        label="How did the therapy end?",
        error_messages={"required": "Please choose how the therapy ended."},
    )
    ended_on = forms.DateField(label="Last day", widget=DATE)
    note = forms.CharField(
        label="Short note",
        required=False,
        max_length=ENDING_NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
