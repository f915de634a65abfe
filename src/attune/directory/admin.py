from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.files import File
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from attune.directory.models import Article, DirectoryEntry, FeeRoute
from attune.directory.photos import MAX_SIDE, clean_photo
from attune.directory.rendering import unknown_references


class ArticleForm(forms.ModelForm):  # type: ignore[type-arg]  # generic in django-stubs only: ModelForm[X] fails at run time
    class Meta:
        model = Article
        fields = [
            "title", "slug", "summary", "body", "author", "modalities", "problem_areas",
            "published", "published_at",
        ]  # fmt: skip

    def clean_body(self) -> str:
        body: str = self.cleaned_data["body"]
        known = set(Article.objects.values_list("slug", flat=True))
        if slug := self.cleaned_data.get("slug"):
            known.add(slug)
        unknown = unknown_references(body, known)
        if unknown:
            raise forms.ValidationError(
                "These cross-references name no article: %(slugs)s",
                params={"slugs": ", ".join(f"[[{s}]]" for s in unknown)},
            )
        return body


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # generic in django-stubs only: ModelAdmin[X] fails at run time
    form = ArticleForm
    list_display = ["title", "author", "published", "published_at", "view_on_site_link"]
    list_filter = ["published", "modalities", "problem_areas"]
    search_fields = ["title", "summary", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["modalities", "problem_areas"]
    list_select_related = ["author__user"]
    date_hierarchy = "published_at"
    fields = tuple(ArticleForm.Meta.fields)

    @admin.display(description="Public page")
    def view_on_site_link(self, obj: Article) -> str:
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), obj.slug)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        return super().get_queryset(request).select_related("author__user")


class DirectoryEntryForm(forms.ModelForm):  # type: ignore[type-arg]  # generic in django-stubs only: ModelForm[X] fails at run time
    """The directory's fields of one therapist; a photo is checked and re-encoded
    (directory.photos) before it is stored."""

    fee_routes = forms.MultipleChoiceField(
        label="How fees can be paid",
        choices=FeeRoute.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = DirectoryEntry
        fields = ["profile", "district", "statement", "pronouns", "fee_routes", "photo"]
        help_texts = {
            "photo": f"JPEG, PNG or WebP. Stored at most {MAX_SIDE} px wide and high, without "
            "its metadata (camera, place, date)."
        }

    def clean_photo(self) -> File[bytes] | None:
        photo = self.cleaned_data.get("photo")
        if not photo or "photo" not in self.changed_data:
            return photo  # unchanged, or cleared
        return clean_photo(photo, getattr(photo, "size", None))


@admin.register(DirectoryEntry)
class DirectoryEntryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # generic in django-stubs only: ModelAdmin[X] fails at run time
    form = DirectoryEntryForm
    list_display = ["profile", "district", "pronouns", "has_photo"]
    list_select_related = ["profile__user"]
    search_fields = ["profile__user__first_name", "profile__user__last_name", "district"]

    @admin.display(boolean=True, description="Photo")
    def has_photo(self, obj: DirectoryEntry) -> bool:
        return bool(obj.photo)

    def save_model(
        self,
        request: HttpRequest,
        obj: DirectoryEntry,
        form: forms.ModelForm[DirectoryEntry],
        change: bool,
    ) -> None:
        replaced = form.initial.get("photo") if "photo" in form.changed_data else None
        super().save_model(request, obj, form, change)
        if replaced and getattr(replaced, "name", replaced) != obj.photo.name:
            obj.photo.storage.delete(getattr(replaced, "name", replaced))
