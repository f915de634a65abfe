"""The form a therapist writes her private process note in. Its fields follow her ways of
working (``orientation.note_style_for``): transference themes and countertransference for the
psychodynamic family; her own reactions and what to take to supervision for everyone else."""

from __future__ import annotations

from typing import Any

from django import forms

from attune.notes.models import Transference
from attune.notes.orientation import NoteStyle
from attune.notes.services import (
    BODY_MAX,
    COUNTERTRANSFERENCE_MAX,
    EMPTY_NOTE_MESSAGE,
    SUPERVISION_MAX,
)

EMPTY_REFLECTIVE_MESSAGE = "Write something in the note or in what to take to supervision."

#: Labels of the stored fields, per form: (label, help text).
LABELS: dict[NoteStyle, dict[str, tuple[str, str]]] = {
    NoteStyle.PSYCHODYNAMIC: {
        "countertransference": ("Countertransference", "What the session stirred in you."),
        "supervision": (
            "What to take to supervision",
            "A question, a moment or a feeling you would like to think about with someone else.",
        ),
    },
    NoteStyle.REFLECTIVE: {
        "countertransference": (
            "My own reactions",
            "What the session stirred in you: feelings, thoughts, the pull to act.",
        ),
        "supervision": (
            "What to take to supervision",
            "A question, a moment or a feeling you would like to think about with someone else.",
        ),
    },
}


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
    supervision = forms.CharField(
        label="What to take to supervision",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=SUPERVISION_MAX,
        strip=True,
    )

    def __init__(
        self,
        *args: Any,
        style: NoteStyle = NoteStyle.PSYCHODYNAMIC,
        keep_themes: bool = False,
        keep_supervision: bool = False,
        **kwargs: Any,
    ) -> None:
        """``keep_themes`` / ``keep_supervision``: the note being changed already has them, so
        the field stays whatever the form would otherwise offer (nothing is silently lost)."""
        super().__init__(*args, **kwargs)
        self.style = style
        for name, (label, help_text) in LABELS[style].items():
            self.fields[name].label = label
            self.fields[name].help_text = help_text
        if style is NoteStyle.REFLECTIVE and not keep_themes:
            del self.fields["themes"]
        if style is NoteStyle.PSYCHODYNAMIC and not keep_supervision:
            del self.fields["supervision"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Form.clean() returns; its stub says it may be None
        if self.errors:
            return data
        if not data.get("body") and not data.get("themes") and not data.get("supervision"):
            message = EMPTY_NOTE_MESSAGE if "themes" in self.fields else EMPTY_REFLECTIVE_MESSAGE
            raise forms.ValidationError(message, code="empty")
        return data
