from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path, register_converter

from attune import public_pages
from attune.api import views as api_views
from attune.api.rest import api
from attune.converters import RecordId

register_converter(RecordId, "id")

admin.site.site_header = "Attune practice administration"
admin.site.site_title = "Attune admin"
# The admin's own login form would skip MFA and the rate limits: sign in through allauth.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]  # on purpose: MFA in front of the admin

urlpatterns = [
    path("", public_pages.home, name="home"),
    path("accounts/", include("attune.accounts.urls")),
    path("help/", public_pages.crisis_help, name="crisis-help"),
    path("healthz", public_pages.healthz, name="healthz"),
    path("favicon.ico", public_pages.favicon),
    path("me/", include("attune.portal.urls")),
    path("", include("attune.workspace.urls")),
    path("", include("attune.workspace.care_urls")),
    path("notes/", include("attune.notes.urls")),
    path("", include("attune.supervision.urls")),
    path("", include("attune.outcomes.urls")),
    path("", include("attune.reminders.urls")),
    path("", include("attune.directory.urls")),
    path("", include("attune.matching.urls")),
    path("api/v1/", api.urls),
    path("api/docs/", api_views.docs_page, name="api-docs"),
    path("api-tokens/", include("attune.api.urls")),
    path("calendar/<slug:secret>.ics", api_views.calendar_feed, name="calendar-feed"),
    path("fhir/r4/", include("attune.api.fhir.urls")),
    path("admin/", admin.site.urls),
]
