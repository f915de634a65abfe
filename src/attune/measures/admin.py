from django.contrib import admin

from attune.measures.models import Instrument, InstrumentVersion


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = ["short_name", "name", "code", "kind"]


@admin.register(InstrumentVersion)
class InstrumentVersionAdmin(admin.ModelAdmin):
    """Definitions are loaded from files and never edited here: a used version is immutable."""

    list_display = ["instrument", "version", "checksum", "loaded_at"]
    readonly_fields = ["instrument", "version", "definition", "checksum", "loaded_at"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
