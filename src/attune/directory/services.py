"""Changing a directory entry: the therapist's own page and the admin both end here or in the
admin's form (which runs the same photo check)."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.files.base import ContentFile
from django.db import transaction

from attune.directory.models import DirectoryEntry, FeeRoute
from attune.practice.models import TherapistProfile


def save_entry(
    *,
    profile: TherapistProfile,
    statement: str,
    district: str,
    pronouns: str,
    gender: str,
    fee_routes: Sequence[str],
    photo: ContentFile[bytes] | None = None,
    remove_photo: bool = False,
) -> DirectoryEntry:
    """Write the therapist's entry (and self-described gender, kept on the profile). A new or
    removed photo deletes the old file once the change is committed."""
    with transaction.atomic():
        entry, _ = DirectoryEntry.objects.select_for_update().get_or_create(profile=profile)
        old = entry.photo.name if entry.photo else ""
        entry.statement = statement.strip()
        entry.district = district.strip()
        entry.pronouns = pronouns.strip()
        entry.fee_routes = [r for r in FeeRoute.values if r in set(fee_routes)]
        if photo is not None:
            entry.photo.save("photo.jpg", photo, save=False)
        elif remove_photo:
            entry.photo = None
        entry.save()
        if profile.gender != gender.strip():
            profile.gender = gender.strip()
            profile.save(update_fields=["gender"])
        replaced = old if old and old != (entry.photo.name if entry.photo else "") else ""
        if replaced:
            storage = entry.photo.storage
            transaction.on_commit(lambda: storage.delete(replaced))
    return entry
