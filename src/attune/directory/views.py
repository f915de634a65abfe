"""Public pages: the directory, therapist profiles, approaches and the article library.

No login. Only published profiles and only their published data are shown; a wrong id or slug
is a 404.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from attune.accounts.decorators import login_required
from attune.accounts.http import AuthenticatedHttpRequest
from attune.directory import queries, services
from attune.directory.forms import MyEntryForm, parse_filters
from attune.directory.rendering import render_markdown
from attune.practice.models import Modality, ProblemArea, TherapistProfile

#: A vocabulary record chosen by its slug (an approach, a problem area).
Named = TypeVar("Named", Modality, ProblemArea)

FIRST_CONSULTATION_SLUG = "your-first-consultation"
MATCH_PATH = "/match/"  # owned by attune.matching; linked by path so neither app imports the other


def _card(profile: TherapistProfile) -> dict[str, Any]:
    entry = queries.entry_of(profile)
    photo = ""
    if entry is not None and entry.photo:
        photo = f"{reverse('directory:photo', args=[profile.pk])}?v={entry.photo_version}"
    return {
        "profile": profile,
        "entry": entry,
        "name": queries.public_name(profile),
        "languages": [queries.language_name(c) for c in profile.languages or []],
        "formats": [queries.format_label(c) for c in profile.formats or []],
        "gender": queries.gender_label(queries.gender_key(profile.gender)),
        "fee_routes": entry.fee_route_labels if entry else [],
        "photo_url": photo,
    }


@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    form, filters, notes = parse_filters(request.GET)
    profiles = queries.search_profiles(filters)
    return render(
        request,
        "directory/directory.html",
        {
            "form": form,
            "filters": filters,
            "notes": notes,
            "cards": [_card(p) for p in profiles],
            "match_path": MATCH_PATH,
        },
    )


@require_GET
def therapist(request: HttpRequest, pk: int) -> HttpResponse:
    profile = queries.profile_for_page(pk)
    if profile is None:
        raise Http404("No such therapist")
    modalities = [
        {"modality": m, "explainer": render_markdown(m.explainer, top_heading=4)}
        for m in profile.modalities.all()
    ]
    return render(
        request,
        "directory/therapist.html",
        {
            **_card(profile),
            "modalities": modalities,
            "articles": profile.public_articles,  # type: ignore[attr-defined]  # Prefetch(to_attr=) in profile_for_page
            "consultation_guide": queries.visible_articles()
            .filter(slug=FIRST_CONSULTATION_SLUG)
            .exists(),
            "match_path": MATCH_PATH,
            "own": request.user.is_authenticated and request.user.pk == profile.user_id,
        },
    )


@require_GET
def therapist_photo(request: HttpRequest, pk: int) -> FileResponse:
    """A published therapist's photo, as stored: a JPEG re-encoded on upload (directory.photos)
    under a random name. Served by id from the default storage, never by a file name."""
    profile = (
        queries.published_profiles()
        .select_related("directory_entry")
        .only("id", "directory_entry__id", "directory_entry__photo")
        .filter(pk=pk)
        .first()
    )
    entry = queries.entry_of(profile) if profile is not None else None
    if entry is None or not entry.photo.name:  # (a FieldFile is true when it has a name)
        raise Http404("No photo")
    try:
        handle = entry.photo.storage.open(entry.photo.name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404("No photo") from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Content-Disposition"] = 'inline; filename="photo.jpg"'
    response["Cache-Control"] = "public, max-age=86400"  # the address changes with the photo
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def my_entry(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A therapist edits her own directory entry: in my words, district, pronouns, gender,
    how fees are paid, a photo."""
    if not request.user.has_perm("directory.edit_own_entry"):
        raise PermissionDenied
    profile = request.user.therapist_profile
    entry = queries.entry_of(profile)
    context = {"profile": profile, "entry": entry, "name": queries.public_name(profile)}
    if request.method != "POST":
        initial = {
            "statement": entry.statement if entry else "",
            "district": entry.district if entry else "",
            "pronouns": entry.pronouns if entry else "",
            "fee_routes": entry.fee_routes if entry else [],
            "gender": profile.gender,
        }
        return render(
            request, "directory/my_entry.html", {**context, "form": MyEntryForm(initial=initial)}
        )
    form = MyEntryForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "directory/my_entry.html", {**context, "form": form}, status=400)
    data = form.cleaned_data
    services.save_entry(
        profile=profile,
        statement=data["statement"],
        district=data["district"],
        pronouns=data["pronouns"],
        gender=data["gender"],
        fee_routes=data["fee_routes"],
        photo=data["photo"],
        remove_photo=data["remove_photo"],
    )
    messages.success(request, "Saved: your directory entry is updated.")
    return redirect("directory:my-entry")


@require_GET
def approaches(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "directory/approaches.html",
        {"modalities": queries.modalities_with_counts(), "match_path": MATCH_PATH},
    )


@require_GET
def approach(request: HttpRequest, slug: str) -> HttpResponse:
    modality = get_object_or_404(Modality, slug=slug)
    return render(
        request,
        "directory/approach.html",
        {
            "modality": modality,
            "explainer": render_markdown(modality.explainer),
            "cards": [_card(p) for p in queries.therapists_offering(modality)],
            "articles": list(queries.visible_articles().filter(modalities=modality)),
            "match_path": MATCH_PATH,
        },
    )


def _filter_record(model: type[Named], slug: str, what: str, notes: list[str]) -> Named | None:
    """The record a filter names by its slug; an unknown slug is ignored, with a note."""
    if not slug:
        return None
    found = model._default_manager.filter(slug=slug).first()
    if found is None:
        notes.append(f"We ignored the {what} filter: that value isn't one we know.")
    return found


@require_GET
def articles(request: HttpRequest) -> HttpResponse:
    rows = queries.visible_articles()
    notes: list[str] = []
    modality = _filter_record(Modality, request.GET.get("approach", ""), "approach", notes)
    if modality is not None:
        rows = rows.filter(modalities=modality)
    problem_area = _filter_record(
        ProblemArea, request.GET.get("problem", ""), "problem area", notes
    )
    if problem_area is not None:
        rows = rows.filter(problem_areas=problem_area)
    return render(
        request,
        "directory/articles.html",
        {
            "articles": list(rows.distinct()),
            "modality": modality,
            "problem_area": problem_area,
            "notes": notes,
            "match_path": MATCH_PATH,
        },
    )


@require_GET
def article(request: HttpRequest, slug: str) -> HttpResponse:
    item = get_object_or_404(
        queries.visible_articles().prefetch_related("modalities", "problem_areas"), slug=slug
    )
    author = item.author
    show_author = author is not None and author.published and author.user.is_active
    return render(
        request,
        "directory/article.html",
        {
            "article": item,
            "body": queries.render_article(item),
            "author": author if show_author else None,
            "author_name": queries.public_name(author)
            if author is not None and show_author
            else "",
            "related": queries.related_articles(item),
            "match_path": MATCH_PATH,
        },
    )
