"""Forms of "Find my match", the consultation request and the therapist's answer."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from attune.matching.queries import GENDERS, TIMES, language_name
from attune.matching.services import Preferences
from attune.practice.models import Format, Modality, ProblemArea, TherapistProfile
from attune.record_fields import RecordChoiceField

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _datetime_field(label: str, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )


class MatchForm(forms.Form):
    text = forms.CharField(
        label="What brings you to therapy? In your own words",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="A few sentences are enough. We use them to suggest problem areas below "
        "and never keep them; what you want a therapist to read, you write in your request.",
    )
    problem_areas = forms.MultipleChoiceField(
        label="What would you like help with?",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    modality = forms.ChoiceField(label="A way of working you'd like", required=False)
    gender = forms.ChoiceField(
        label="Therapist",
        required=False,
        choices=[("", "No preference"), *GENDERS.items()],
    )
    language = forms.ChoiceField(
        label="Language",
        required=False,
        help_text="We list only therapists who speak it.",
    )
    format = forms.ChoiceField(
        label="Sessions",
        required=False,
        choices=[("", "Either"), *Format.choices],
    )
    times = forms.MultipleChoiceField(
        label="Times that suit you",
        required=False,
        choices=list(TIMES.items()),
        widget=forms.CheckboxSelectMultiple,
        help_text="We pass these on to the therapist.",
    )
    fee_max = forms.IntegerField(
        label="Most you can pay per session (EUR)",
        required=False,
        min_value=0,
        max_value=1000,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.areas = list(ProblemArea.objects.order_by("name"))
        _choice_field(self, "problem_areas").choices = [(a.slug, a.name) for a in self.areas]
        _choice_field(self, "modality").choices = [("", "No preference")] + [
            (m.slug, m.name) for m in Modality.objects.order_by("name")
        ]
        codes = sorted(
            {
                code
                for langs in TherapistProfile.objects.filter(published=True).values_list(
                    "languages", flat=True
                )
                for code in (langs or [])
            }
        )
        _choice_field(self, "language").choices = [("", "No preference")] + sorted(
            ((c, language_name(c)) for c in codes), key=lambda pair: pair[1]
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not (data.get("text") or "").strip() and not data.get("problem_areas"):
            raise forms.ValidationError(
                "Tell us a little about what brings you, or tick at least one problem area."
            )
        return data

    def chosen_areas(self, slugs: list[str] | None = None) -> list[ProblemArea]:
        wanted = set(self.cleaned_data.get("problem_areas", []) if slugs is None else slugs)
        return [a for a in self.areas if a.slug in wanted]

    def preferences(self) -> Preferences:
        d = self.cleaned_data
        return Preferences(
            modality=d.get("modality", ""),
            gender=d.get("gender", ""),
            language=d.get("language", ""),
            format=d.get("format", ""),
            times=tuple(d.get("times", [])),
            fee_max=d.get("fee_max"),
        )


class ConsultationForm(forms.Form):
    name = forms.CharField(label="Your name", max_length=150)
    email = forms.EmailField(label="Your e-mail address")
    time_1 = _datetime_field("A time that suits you")
    time_2 = _datetime_field("Another time")
    time_3 = _datetime_field("A third time (optional)", required=False)
    hopes = forms.CharField(
        label="What do you hope for from therapy?",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    share_intake = forms.BooleanField(
        label="Also send my ticks and preferences from \u201cFind my match\u201d",
        required=False,
        initial=True,
    )
    # Honeypot: hidden from people, filled in by bots. See views.consult.
    website = forms.CharField(label="Leave this field empty", required=False)
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        times = [data.get(f"time_{i}") for i in (1, 2, 3)]
        chosen = [t for t in times if t is not None]
        now = timezone.now()
        for i, t in enumerate(times, start=1):
            if t is not None and t <= now:
                self.add_error(f"time_{i}", "Choose a time in the future.")
        if len(set(chosen)) < len(chosen):
            raise forms.ValidationError("Please propose different times.")
        return data

    def proposed_times(self) -> list[datetime]:
        return [t for t in (self.cleaned_data.get(f"time_{i}") for i in (1, 2, 3)) if t is not None]


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    """A ChoiceField declared on the form (``form.fields`` is typed as plain Fields)."""
    return cast(forms.ChoiceField, form.fields[name])


def _display_name(profile: TherapistProfile) -> str:
    return profile.user.display_name


def _label(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local:%A} {local.day} {local:%B %Y, %H:%M}"


class OfferForm(forms.Form):
    """Offer one of the times the person proposed (those still ahead) or another one."""

    OTHER = "other"
    time = forms.ChoiceField(label="Time for the consultation", widget=forms.RadioSelect)
    other_time = _datetime_field("Another time", required=False)
    message = forms.CharField(
        label="A few words with the offer (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Shown on the person's private page, not in the e-mail.",
    )

    def __init__(self, *args: Any, proposed: list[datetime] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        now = timezone.now()
        ahead = [t for t in (proposed or []) if t > now]
        _choice_field(self, "time").choices = [(t.isoformat(), _label(t)) for t in ahead] + [
            (self.OTHER, "Another time")
        ]
        self.fields["time"].initial = ahead[0].isoformat() if ahead else self.OTHER

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("time") == self.OTHER and data.get("other_time") is None:
            self.add_error("other_time", "Give the time you offer.")
        return data

    def offered_at(self) -> datetime:
        choice = self.cleaned_data["time"]
        if choice == self.OTHER:
            other: datetime = self.cleaned_data["other_time"]
            return other
        parsed = parse_datetime(choice)
        assert parsed is not None  # the choices are ISO datetimes
        return parsed


class MessageForm(forms.Form):
    body = forms.CharField(
        label="Your message",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Please write a message."},
    )

    def __init__(self, *args: Any, label: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if label:
            self.fields["body"].label = label


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="A kind word for the person (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    colleague = RecordChoiceField(
        label="Suggest a colleague",
        queryset=TherapistProfile.objects.none(),
        required=False,
        empty_label="No one",
    )

    def __init__(self, *args: Any, colleagues: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if colleagues is not None:
            field = cast(RecordChoiceField, self.fields["colleague"])
            field.queryset = colleagues
            field.label_from_instance = _display_name  # type: ignore[method-assign, assignment]  # on this field only, as Django allows
