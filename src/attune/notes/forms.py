"""The form a therapist writes her private process note in."""

from __future__ import annotations

from typing import Any

from django import forms

from attune.notes.models import Transference
from attune.notes.services import BODY_MAX, COUNTERTRANSFERENCE_MAX, EMPTY_NOTE_MESSAGE


class ProcessNoteForm(forms.Form):
    themes = forms.MultipleChoiceField(
        label="Transference themes",
        choices=Transference.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="What the client seemed to bring to you in this session. Choose any that fit.",
    )
    body = forms.CharField(
        label="Process note",
        widget=forms.Textarea(attrs={"rows": 10}),
        required=False,
        max_length=BODY_MAX,
        strip=True,
    )
    countertransference = forms.CharField(
        label="Countertransference",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=COUNTERTRANSFERENCE_MAX,
        strip=True,
        help_text="What the session stirred in you.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("body") and not data.get("themes") and not self.errors:
            raise forms.ValidationError(EMPTY_NOTE_MESSAGE, code="empty")
        return data
