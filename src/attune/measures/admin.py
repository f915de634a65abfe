from django.contrib import admin
from django.http import HttpRequest

from attune.measures.models import Instrument, InstrumentVersion


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # generic in django-stubs only: ModelAdmin[X] fails at run time
    list_display = ["short_name", "name", "code", "kind"]


@admin.register(InstrumentVersion)
class InstrumentVersionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # generic in django-stubs only: ModelAdmin[X] fails at run time
    """Definitions are loaded from files and never edited here: a used version is immutable."""

    list_display = ["instrument", "version", "checksum", "loaded_at"]
    readonly_fields = ["instrument", "version", "definition", "checksum", "loaded_at"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
