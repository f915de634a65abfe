"""The forms for adding a client and starting a new episode. What a field accepts; the rules
(who, which address, one active episode) live in ``care.intake``."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from attune.accounts.models import User
from attune.care.intake import NAME_MAX
from attune.practice.models import ProblemArea
from attune.record_fields import RecordChoiceField, RecordMultipleChoiceField
from attune.workspace.episode_forms import DATE, TIME


class TherapistChoiceField(RecordChoiceField):
    def label_from_instance(self, obj: User) -> str:
        profile = getattr(obj, "therapist_profile", None)
        if profile is not None and not profile.accepting_new_clients:
            return f"{obj.display_name} — not accepting new clients at the moment"
        return obj.display_name


class _FirstSession(forms.Form):
    """An optional first session: a date and a time, both or neither."""

    problem_areas = RecordMultipleChoiceField(
        queryset=ProblemArea.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Problem areas (optional)",
        help_text="Only the therapist and her supervisor see these; they are not in the e-mail.",
    )
    first_session_date = forms.DateField(
        label="First session: date (optional)", required=False, widget=DATE
    )
    first_session_time = forms.TimeField(
        label="First session: time (optional)", required=False, widget=TIME
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Form.clean returns (its stub says it may be None)
        day, time = data.get("first_session_date"), data.get("first_session_time")
        if (day is None) != (time is None) and not self.has_error("first_session_date"):
            missing = "first_session_time" if time is None else "first_session_date"
            if not self.has_error(missing):
                self.add_error(
                    missing, "Please give both the date and the time, or leave both empty."
                )
        return data

    def first_session_at(self) -> datetime | None:
        day = self.cleaned_data.get("first_session_date")
        time = self.cleaned_data.get("first_session_time")
        if day is None or time is None:
            return None
        return timezone.make_aware(datetime.combine(day, time))


class InviteClientForm(_FirstSession):
    field_order = ["therapist", "name", "email"]

    therapist = TherapistChoiceField(
        queryset=User.objects.none(),
        label="Therapist",
        empty_label="Choose a therapist",
        error_messages={
            "required": "Please choose a therapist.",
            "invalid_choice": "Please choose a therapist of this practice.",
        },
    )
    name = forms.CharField(
        label="Client's name",
        max_length=NAME_MAX,
        error_messages={"required": "Please give the client's name."},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    email = forms.EmailField(
        label="Client's e-mail address",
        help_text="The invitation goes here: a link to choose a password. Nobody else sets it.",
        error_messages={
            "required": "Please give the client's e-mail address.",
            "invalid": "Please give a valid e-mail address, like name@example.org.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(
        self, *args: Any, therapists: QuerySet[User], choose_therapist: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if choose_therapist:
            field = cast(TherapistChoiceField, self.fields["therapist"])
            field.queryset = therapists.select_related("therapist_profile")
        else:
            # A therapist adds clients to her own caseload: nothing to choose.
            del self.fields["therapist"]


class NewEpisodeForm(_FirstSession):
    """A new episode with the client's last therapist: the problem areas and first session."""
