"""The Django admin for practice administrators: people, roles and the practice's vocabulary.

Clinical records (responses, alerts, notes) are deliberately not registered: administering a
practice does not need them (least privilege)."""

from allauth.mfa import admin as _allauth_mfa_admin  # noqa: F401  (registers first, see below)
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from attune.accounts.models import SignInEvent, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):  # type: ignore[type-arg]  # generic in django-stubs only: UserAdmin[X] fails at run time
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "role", "is_active"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("first_name", "last_name", "role", "practice")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "first_name",
                    "last_name",
                    "role",
                    "practice",
                    "password1",
                    "password2",
                ),
            },
        ),
    )


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # generic in django-stubs only: ModelAdmin[X] fails at run time
    """A record kept as it was written (the sign-in trail, the audit trail, the deletion
    requests): listed and read, never added, changed or deleted through the admin."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(SignInEvent)
class SignInEventAdmin(ReadOnlyAdmin):
    """The sign-in trail, for the administrator who looks after accounts: read only."""

    list_display = ["at", "kind", "user", "login", "ip", "detail"]
    list_filter = ["kind"]
    search_fields = ["login", "user__email", "ip"]
    date_hierarchy = "at"


# allauth's own admin for authenticators shows their stored data (a TOTP secret, recovery
# codes). Replaced: the administrator sees who has which factor and can remove a lost one.
admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # generic in django-stubs only: ModelAdmin[X] fails at run time
    list_display = ["user", "type", "created_at", "last_used_at"]
    list_filter = ["type"]
    search_fields = ["user__email"]
    fields = ("user", "type", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
