from django import forms
from django.contrib import admin
from django.utils.html import format_html

from attune.directory.models import Article
from attune.directory.rendering import unknown_references


class ArticleForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = [
            "title", "slug", "summary", "body", "author", "modalities", "problem_areas",
            "published", "published_at",
        ]  # fmt: skip

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
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
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleForm
    list_display = ["title", "author", "published", "published_at", "view_on_site_link"]
    list_filter = ["published", "modalities", "problem_areas"]
    search_fields = ["title", "summary", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["modalities", "problem_areas"]
    list_select_related = ["author__user"]
    date_hierarchy = "published_at"
    fields = ArticleForm.Meta.fields

    @admin.display(description="Public page")
    def view_on_site_link(self, obj: Article) -> str:
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), obj.slug)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author__user")
