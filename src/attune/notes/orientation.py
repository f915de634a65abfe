"""Which private-note form a therapist gets: it follows her ways of working.

One rule, in one place (``note_style_for``): the transference checklist and a
"countertransference" field belong to the psychodynamic family of therapies, where the
relationship in the room is itself worked with (Gabbard, *Long-Term Psychodynamic
Psychotherapy*, 3rd ed., 2017; Bateman & Fonagy, *Mentalization-Based Treatment for
Personality Disorders*, 2016, on the therapist's own mental states). A therapist working in
CBT, ACT, EMDR, systemic, person-centred or another tradition writes down her own reactions
and what to take to supervision instead (Bennett-Levy et al. 2001, reflective practice in CBT
training; Roth & Pilling 2008, supervision competences): nobody asks her about "erotic
transference".

Stored notes keep whatever fields they were written with; a note that already has transference
themes keeps its checklist when it is changed, so nothing is silently dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from attune.accounts.models import User
from attune.practice.models import Modality

#: Modality slugs (``practice/data/modalities.json``) whose notes name transference themes.
PSYCHODYNAMIC_MODALITIES = frozenset(
    {
        "psychodynamic-therapy",
        "contemporary-psychoanalysis",
        "mentalization-based-treatment",
    }
)


class NoteStyle(StrEnum):
    PSYCHODYNAMIC = "psychodynamic"  # transference themes, countertransference
    REFLECTIVE = "reflective"  # my own reactions, what to take to supervision


def note_style_for(modality_slugs: Iterable[str]) -> NoteStyle:
    """The note form for a therapist who works in ``modality_slugs`` (her profile).

    Psychodynamic when at least one of her ways of working is psychodynamic or
    psychoanalytic (an integrative therapist who also does EMDR keeps the checklist);
    reflective when she lists only other ways of working. A therapist who lists none keeps the
    psychodynamic form, the one every therapist had before the form followed the orientation:
    nothing is taken from her until she says how she works.
    """
    slugs = set(modality_slugs)
    if not slugs or slugs & PSYCHODYNAMIC_MODALITIES:
        return NoteStyle.PSYCHODYNAMIC
    return NoteStyle.REFLECTIVE


def note_style(therapist: User) -> NoteStyle:
    """The note form for ``therapist``, from the ways of working on her profile (one query)."""
    slugs = Modality.objects.filter(therapists__user=therapist).values_list("slug", flat=True)
    return note_style_for(slugs)
