"""The directory's GET filters. A bad value is dropped with a note; it never fails the page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from django import forms
from django.core.files.base import ContentFile
from django.http import QueryDict

from attune.directory.models import FeeRoute
from attune.directory.photos import MAX_BYTES, MAX_SIDE, clean_photo
from attune.directory.queries import DirectoryFilters, FilterChoices, filter_choices
from attune.practice.models import Format, Modality, ProblemArea

FEE_LIMIT = 10_000
_LABELS = {
    "problem": "problem area",
    "approach": "approach",
    "language": "language",
    "format": "in person / online",
    "accepting": "accepting new clients",
    "fee_min": "lowest fee",
    "fee_max": "highest fee",
    "gender": "gender",
    "fees_paid": "how fees are paid",
    "district": "district or city",
}


class DirectoryFilterForm(forms.Form):
    problem = forms.ChoiceField(required=False, label="What would you like help with?")
    approach = forms.ChoiceField(required=False, label="Approach")
    language = forms.ChoiceField(required=False, label="Language")
    format = forms.ChoiceField(
        required=False,
        label="In person or online",
        choices=[("", "Either"), *Format.choices],
    )
    district = forms.ChoiceField(required=False, label="District or city")
    gender = forms.ChoiceField(required=False, label="Therapist's gender")
    fees_paid = forms.ChoiceField(required=False, label="How fees are paid")
    accepting = forms.BooleanField(required=False, label="Accepting new clients")
    fee_min = forms.IntegerField(
        required=False, min_value=0, max_value=FEE_LIMIT, label="Fee from (€)"
    )
    fee_max = forms.IntegerField(
        required=False, min_value=0, max_value=FEE_LIMIT, label="Fee up to (€)"
    )

    def __init__(
        self,
        data: Mapping[str, object],
        *,
        modalities: list[Modality],
        problem_areas: list[ProblemArea],
        choices: FilterChoices,
    ) -> None:
        super().__init__(data)
        self.problem_areas = {a.slug: a for a in problem_areas}
        self.modalities = {m.slug: m for m in modalities}
        self._choices("problem").choices = [
            ("", "Anything"),
            *((a.slug, a.name) for a in problem_areas),
        ]
        self._choices("approach").choices = [
            ("", "Any approach"),
            *((m.slug, m.name) for m in modalities),
        ]
        self._choices("language").choices = [("", "Any language"), *choices.languages]
        self._choices("district").choices = [("", "Anywhere"), *choices.districts]
        self._choices("gender").choices = [("", "No preference"), *choices.genders]
        self._choices("fees_paid").choices = [("", "Any way"), *choices.fee_routes]
        for name in ("fee_min", "fee_max"):
            self.fields[name].widget.attrs.update({"inputmode": "numeric", "step": "1"})

    def _choices(self, name: str) -> forms.ChoiceField:
        """One of the ChoiceFields declared above (``self.fields`` is typed as plain Fields)."""
        return cast(forms.ChoiceField, self.fields[name])


def parse_filters(params: QueryDict) -> tuple[DirectoryFilterForm, DirectoryFilters, list[str]]:
    """Validate the query string field by field: good values filter, bad ones become notes."""
    modalities = list(Modality.objects.only("id", "slug", "name"))
    problem_areas = list(ProblemArea.objects.only("id", "slug", "name"))
    choices = filter_choices()
    known = {k: v for k, v in params.items() if k in _LABELS}
    form = DirectoryFilterForm(
        known, modalities=modalities, problem_areas=problem_areas, choices=choices
    )
    form.is_valid()
    notes = [
        f"We ignored the {_LABELS[name]} filter: that value isn't one we know."
        for name in form.errors
        if name in _LABELS
    ]
    data = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
    filters = DirectoryFilters(
        problem_area=form.problem_areas.get(data.get("problem") or ""),
        modality=form.modalities.get(data.get("approach") or ""),
        language=data.get("language") or "",
        format=data.get("format") or "",
        accepting=bool(data.get("accepting")),
        fee_min=data.get("fee_min"),
        fee_max=data.get("fee_max"),
        gender=data.get("gender") or "",
        fee_route=data.get("fees_paid") or "",
        district=data.get("district") or "",
    )
    if (
        filters.fee_min is not None
        and filters.fee_max is not None
        and filters.fee_min > filters.fee_max
    ):
        filters.fee_min, filters.fee_max = filters.fee_max, filters.fee_min
        notes.append("The lowest fee was above the highest; we swapped them.")
    # The form shown on the page carries only the values that were used.
    shown = DirectoryFilterForm(
        {k: v for k, v in known.items() if k not in form.errors},
        modalities=modalities,
        problem_areas=problem_areas,
        choices=choices,
    )
    return shown, filters, notes


class MyEntryForm(forms.Form):
    """A therapist's own directory entry; the photo is checked and re-encoded (photos.py)."""

    statement = forms.CharField(
        label="In my words",
        max_length=240,
        required=False,
        help_text="One sentence, shown first on your card in the directory.",
    )
    district = forms.CharField(
        label="District or city",
        max_length=100,
        required=False,
        help_text="E.g. Kreuzberg, Berlin.",
    )
    pronouns = forms.CharField(
        label="Pronouns", max_length=40, required=False, help_text='E.g. "she/her", "they/them".'
    )
    gender = forms.CharField(
        label="Gender (in your words, optional)",
        max_length=30,
        required=False,
        help_text="Visitors can filter by it; leave it empty if you prefer not to say.",
    )
    fee_routes = forms.MultipleChoiceField(
        label="How fees can be paid",
        choices=FeeRoute.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    photo = forms.FileField(
        label="Photo (optional)",
        required=False,
        help_text=f"JPEG, PNG or WebP, at most {MAX_BYTES // 2**20} MB. We store it at most "
        f"{MAX_SIDE} pixels wide and high, without its metadata (camera, place, date).",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    remove_photo = forms.BooleanField(label="Remove my photo", required=False)

    def clean_photo(self) -> ContentFile[bytes] | None:
        photo = self.cleaned_data.get("photo")
        if not photo:
            return None
        return clean_photo(photo, getattr(photo, "size", None))
