"""The supervisor's form on the episode page."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone

from attune.supervision.services import TEXT_MAX


class SupervisionNoteForm(forms.Form):
    discussion = forms.CharField(
        label="What we discussed",
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Write what was discussed."},
    )
    recommendation = forms.CharField(
        label="Recommendation",
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What you suggest the therapist does next (optional).",
    )
    follow_up_by = forms.DateField(
        label="Look at it again by",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Optional: a date to come back to this client in supervision.",
        error_messages={"invalid": "Enter the date as a date (for example 2026-12-01)."},
    )

    def clean_follow_up_by(self) -> date | None:
        day = self.cleaned_data.get("follow_up_by")
        if day is not None and day < timezone.localdate():
            raise forms.ValidationError("The follow-up date is in the past.")
        return day
