"""Reads for the public pages: only published profiles, only what a profile publishes.

Every function here runs a fixed number of queries, however many therapists or articles there
are (the tests count them).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf.locale import LANG_INFO
from django.db.models import Count, F, Prefetch, Q, QuerySet

from attune.directory.models import Article, DirectoryEntry, FeeRoute
from attune.directory.rendering import cross_references, render_markdown
from attune.practice.models import Format, Modality, ProblemArea, TherapistProfile

#: The profile fields a public page may show. E-mail, supervisors, practice-internal data and
#: anything clinical are never loaded, so a template cannot show them by mistake.
PUBLIC_PROFILE_FIELDS = (
    "id",
    "gender",
    "credentials",
    "training",
    "years_experience",
    "languages",
    "formats",
    "accepting_new_clients",
    "how_i_work",
    "fee_min",
    "fee_max",
    "user__first_name",
    "user__last_name",
    "directory_entry__id",
    "directory_entry__profile_id",
    "directory_entry__district",
    "directory_entry__statement",
    "directory_entry__pronouns",
    "directory_entry__fee_routes",
    "directory_entry__photo",
)

#: Self-described genders are free text; these common words are grouped for the filter.
_GENDER_SYNONYMS = {"female": "woman", "f": "woman", "male": "man", "m": "man"}
GENDER_LABELS = {"woman": "Woman", "man": "Man", "non-binary": "Non-binary"}


def gender_key(value: str) -> str:
    """The filter's key of a self-described gender: "Woman", "female" → "woman"."""
    plain = " ".join((value or "").split()).lower()
    return _GENDER_SYNONYMS.get(plain, plain)


def gender_label(key: str) -> str:
    return GENDER_LABELS.get(key, key[:1].upper() + key[1:])


def entry_of(profile: TherapistProfile) -> DirectoryEntry | None:
    """The therapist's directory entry, or None (loaded with the profile: no query)."""
    try:
        return profile.directory_entry
    except TherapistProfile.directory_entry.RelatedObjectDoesNotExist:
        return None


def language_name(code: str) -> str:
    name: str = LANG_INFO.get(code, {}).get("name", code)
    return name


def format_label(code: str) -> str:
    try:
        return Format(code).label
    except ValueError:
        return code


def public_name(profile: TherapistProfile) -> str:
    """The therapist's name; never falls back to the e-mail address (User.display_name does)."""
    name = f"{profile.user.first_name} {profile.user.last_name}".strip()
    return name or "A therapist of the practice"


def published_profiles() -> QuerySet[TherapistProfile]:
    return TherapistProfile.objects.filter(published=True, user__is_active=True)


def _with_public_data(profiles: QuerySet[TherapistProfile]) -> QuerySet[TherapistProfile]:
    return (
        profiles.select_related("user", "directory_entry")
        .only(*PUBLIC_PROFILE_FIELDS)
        .prefetch_related(
            Prefetch("modalities", queryset=Modality.objects.only("id", "slug", "name")),
            Prefetch("problem_areas", queryset=ProblemArea.objects.only("id", "slug", "name")),
        )
    )


@dataclass
class DirectoryFilters:
    problem_area: ProblemArea | None = None
    modality: Modality | None = None
    language: str = ""
    format: str = ""
    accepting: bool = False
    fee_max: int | None = None
    fee_min: int | None = None
    gender: str = ""  # gender_key()
    fee_route: str = ""  # FeeRoute value
    district: str = ""

    @property
    def active(self) -> bool:
        return any(
            (
                self.problem_area,
                self.modality,
                self.language,
                self.format,
                self.accepting,
                self.gender,
                self.fee_route,
                self.district,
            )
        ) or (self.fee_max is not None or self.fee_min is not None)


def search_profiles(filters: DirectoryFilters) -> list[TherapistProfile]:
    """Published profiles matching ``filters``: three queries."""
    profiles = published_profiles()
    if filters.problem_area is not None:
        profiles = profiles.filter(problem_areas=filters.problem_area)
    if filters.modality is not None:
        profiles = profiles.filter(modalities=filters.modality)
    if filters.accepting:
        profiles = profiles.filter(accepting_new_clients=True)
    # Fee range: the therapist's range overlaps the one asked for (profiles without fees are
    # left out once a fee filter is set: we cannot say they fit).
    if filters.fee_max is not None:
        profiles = profiles.filter(fee_min__isnull=False, fee_min__lte=filters.fee_max)
    if filters.fee_min is not None:
        profiles = profiles.filter(
            Q(fee_max__gte=filters.fee_min) | Q(fee_max__isnull=True, fee_min__gte=filters.fee_min)
        )
    rows = list(_with_public_data(profiles.distinct()))
    # Languages and formats are JSON lists; filtering them here works on every database.
    if filters.language:
        rows = [p for p in rows if filters.language in (p.languages or [])]
    if filters.format:
        rows = [p for p in rows if filters.format in (p.formats or [])]
    if filters.gender:
        rows = [p for p in rows if gender_key(p.gender) == filters.gender]
    if filters.fee_route:
        rows = [p for p in rows if filters.fee_route in _fee_routes(p)]
    if filters.district:
        rows = [p for p in rows if _district(p).casefold() == filters.district.casefold()]
    return rows


def _fee_routes(profile: TherapistProfile) -> list[str]:
    entry = entry_of(profile)
    return list(entry.fee_routes or []) if entry else []


def _district(profile: TherapistProfile) -> str:
    entry = entry_of(profile)
    return entry.district.strip() if entry else ""


@dataclass(frozen=True)
class FilterChoices:
    languages: list[tuple[str, str]]
    genders: list[tuple[str, str]]
    districts: list[tuple[str, str]]
    fee_routes: list[tuple[str, str]]


def filter_choices() -> FilterChoices:
    """The values the published profiles offer, for the directory's filters: one query."""
    codes: set[str] = set()
    genders: set[str] = set()
    districts: dict[str, str] = {}
    for languages, gender, district in published_profiles().values_list(
        "languages", "gender", "directory_entry__district"
    ):
        codes.update(c for c in languages or [] if isinstance(c, str))
        if key := gender_key(gender):
            genders.add(key)
        if (place := (district or "").strip()) and place.casefold() not in districts:
            districts[place.casefold()] = place
    return FilterChoices(
        languages=sorted(((c, language_name(c)) for c in codes), key=lambda pair: pair[1]),
        genders=sorted(((g, gender_label(g)) for g in genders), key=lambda pair: pair[1]),
        districts=sorted(((d, d) for d in districts.values()), key=lambda pair: pair[1]),
        fee_routes=list(FeeRoute.choices),
    )


def available_languages() -> list[tuple[str, str]]:
    """(code, name) of every language a published profile offers: one query."""
    return filter_choices().languages


def profile_for_page(pk: int) -> TherapistProfile | None:
    """A published profile with its modalities (and their explainers) and problem areas."""
    profile = (
        published_profiles()
        .select_related("user", "directory_entry")
        .only(*PUBLIC_PROFILE_FIELDS)
        .prefetch_related(
            "modalities",
            Prefetch("problem_areas", queryset=ProblemArea.objects.only("id", "slug", "name")),
            Prefetch(
                "articles",
                queryset=Article.objects.visible().only(
                    "id", "slug", "title", "summary", "published_at", "author_id"
                ),
                to_attr="public_articles",
            ),
        )
        .filter(pk=pk)
        .first()
    )
    return profile


def modalities_with_counts() -> QuerySet[Modality]:
    return Modality.objects.annotate(
        n_therapists=Count(
            "therapists",
            filter=Q(therapists__published=True, therapists__user__is_active=True),
            distinct=True,
        )
    ).only("id", "slug", "name", "summary")


def therapists_offering(modality: Modality) -> list[TherapistProfile]:
    return list(_with_public_data(published_profiles().filter(modalities=modality)))


# --------------------------------------------------------------------------------------------
# articles
# --------------------------------------------------------------------------------------------


def visible_articles() -> QuerySet[Article]:
    return Article.objects.visible().select_related("author__user")


def article_links(text: str) -> dict[str, tuple[str, str]]:
    """{slug: (url, title)} of the visible articles ``text`` cross-references: one query."""
    slugs = cross_references(text)
    if not slugs:
        return {}
    return {
        a.slug: (a.get_absolute_url(), a.title)
        for a in Article.objects.visible().filter(slug__in=slugs).only("slug", "title")
    }


def render_article(article: Article) -> str:
    return render_markdown(article.body, links=article_links(article.body))


def related_articles(article: Article, limit: int = 3) -> list[Article]:
    """Visible articles sharing modalities or problem areas, most shared first, then newest."""
    modality_ids = [m.pk for m in article.modalities.all()]
    area_ids = [a.pk for a in article.problem_areas.all()]
    if not modality_ids and not area_ids:
        return []
    return list(
        visible_articles()
        .exclude(pk=article.pk)
        .annotate(
            shared_modalities=Count(
                "modalities", filter=Q(modalities__in=modality_ids), distinct=True
            ),
            shared_areas=Count(
                "problem_areas", filter=Q(problem_areas__in=area_ids), distinct=True
            ),
        )
        .annotate(shared=F("shared_modalities") + F("shared_areas"))
        .filter(shared__gt=0)
        .order_by("-shared", "-published_at", "title")[:limit]
    )
