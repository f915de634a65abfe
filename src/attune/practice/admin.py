from django.contrib import admin

from attune.practice.models import Modality, Practice, ProblemArea, TherapistProfile


@admin.register(Practice)
class PracticeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # generic in django-stubs only: ModelAdmin[X] fails at run time
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Modality)
class ModalityAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # generic in django-stubs only: ModelAdmin[X] fails at run time
    list_display = ["name", "slug", "summary"]
    search_fields = ["name"]


@admin.register(ProblemArea)
class ProblemAreaAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # generic in django-stubs only: ModelAdmin[X] fails at run time
    list_display = ["name", "slug"]


@admin.register(TherapistProfile)
class TherapistProfileAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # generic in django-stubs only: ModelAdmin[X] fails at run time
    list_display = ["user", "practice", "accepting_new_clients", "published"]
    list_filter = ["accepting_new_clients", "published", "modalities"]
    filter_horizontal = ["modalities", "problem_areas", "supervisors"]
    list_select_related = ["user", "practice"]
