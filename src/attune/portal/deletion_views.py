"""The practice administrator's page for deciding one deletion request (reached from the
practice page and the Django admin). Thin: the decision is ``portal.erasure``."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from attune.clientportal.models import DeletionRequest
from attune.portal import erasure
from attune.portal.retention import RETENTION_SOURCE, retention_years
from attune.portal.rules import may_decide_deletion

#: What carrying out a request erases, in words (the page and docs say the same).
ERASED_WORDS = (
    "the client's name, preferred name and e-mail address (replaced by a placeholder)",
    "their password and sign-in: the account is closed and signed out everywhere",
    "messages they wrote in Attune and their requests for an ending conversation",
    "everything they wrote in words in their forms (comments, exit feedback)",
    "consultation requests made with their e-mail address",
    "their form links and reminders, and earlier e-mails to them in the outbox",
    "episodes whose retention period is already over, whole",
)


def decide(request: HttpRequest, request_id: int) -> HttpResponse:
    deletion = (
        DeletionRequest.objects.select_related("client__user", "client__practice", "handled_by")
        .filter(pk=request_id)
        .first()
    )
    # Anyone but the administrator of the client's practice: as if there were no such request.
    # (Not behind login_required: an anonymous visitor is refused here, as may_decide_deletion
    # would refuse them.)
    user = request.user
    if not user.is_authenticated or deletion is None or not may_decide_deletion(user, deletion):
        raise Http404
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "carry_out":
                if request.POST.get("confirm") != "yes":
                    raise ValidationError("Tick the box to confirm the deletion.")
                erasure.carry_out(request_id=deletion.pk, by=user)
                messages.success(
                    request, "The request was carried out and the client was told by e-mail."
                )
            elif action == "decline":
                erasure.decline(
                    request_id=deletion.pk, by=user, reason=request.POST.get("reason", "")
                )
                messages.success(request, "The request was declined and the client was told.")
            else:
                raise ValidationError("Choose to carry out or to decline the request.")
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return redirect(reverse("admin:portal_deletionrequest_change", args=[deletion.pk]))
        deletion.refresh_from_db()
    context = {
        **admin.site.each_context(request),
        "title": f"Decide on deletion request {deletion.pk}",
        "deletion": deletion,
        "plan": erasure.plan(deletion),
        "erased_words": ERASED_WORDS,
        "retention_years": retention_years(),
        "retention_source": RETENTION_SOURCE,
        "error": error,
        "reason": request.POST.get("reason", "") if request.method == "POST" else "",
    }
    return render(request, "portal/deletion_decide.html", context, status=400 if error else 200)
