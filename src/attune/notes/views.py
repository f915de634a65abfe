"""Writing and reading a private process note. Only its author ever gets a page here: for
everybody else — colleague, supervisor, client, practice administrator, superuser — every URL
is a 404, as if the note did not exist.

Permission is asked of the rules directly (``notes.rules``), never through ``user.has_perm``,
which lets every superuser through.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from attune.accounts.decorators import login_required
from attune.accounts.http import AuthenticatedHttpRequest
from attune.care.models import Session
from attune.crypto import NotesCryptoError, check_keys
from attune.notes import services
from attune.notes.forms import ProcessNoteForm
from attune.notes.models import ProcessNote
from attune.notes.orientation import note_style
from attune.notes.queries import session_forms
from attune.notes.rules import may_view_note, may_write_for

log = logging.getLogger(__name__)


def _crypto_unavailable(
    request: AuthenticatedHttpRequest, error: NotesCryptoError, **context: object
) -> HttpResponse:
    # The error names the setting, never a key or content; the log line carries ids only.
    log.error("private notes unavailable for user %s: %s", request.user.pk, type(error).__name__)
    return render(request, "notes/unavailable.html", {"error": str(error), **context}, status=503)


def _own_session(request: AuthenticatedHttpRequest, session_id: int) -> Session:
    """A session of an episode the signed-in therapist treats; a 404 for anyone else."""
    if not request.user.has_perm("care.keep_caseload"):
        raise Http404
    try:
        session = Session.objects.select_related("episode__client__user").get(
            pk=session_id, episode__therapist=request.user
        )
    except Session.DoesNotExist:
        raise Http404 from None
    if not may_write_for(request.user, session.episode):
        raise Http404
    return session


def _own_note(request: AuthenticatedHttpRequest, note_id: int) -> ProcessNote:
    """The signed-in person's own note; a 404 for anyone else, whatever their role."""
    try:
        note = ProcessNote.objects.select_related("session", "episode__client__user").get(
            pk=note_id, author=request.user
        )
    except ProcessNote.DoesNotExist:
        raise Http404 from None
    if not may_view_note(request.user, note):
        raise Http404
    return note


@login_required
def note_for_session(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    """Write the private note for a session, or change the one written before. Beside the
    form: what the client answered around that session (check-in, feedback), read only."""
    session = _own_session(request, session_id)
    existing = ProcessNote.objects.filter(session=session, author=request.user).first()
    style = note_style(request.user)
    context: dict[str, object] = {
        "session": session,
        "episode": session.episode,
        "note": existing,
        "style": style.value,
        "session_forms": session_forms(session),
    }
    if request.method == "POST":
        # The form says which fields it offered (a note kept its themes): saving reads nothing,
        # so the audit trail holds no read for a write.
        form = ProcessNoteForm(
            request.POST,
            style=style,
            keep_themes="offered_themes" in request.POST,
            keep_supervision="offered_supervision" in request.POST,
        )
        context["form"] = form
        if form.is_valid():
            try:
                note = services.write_note(
                    author=request.user,
                    session=session,
                    body=form.cleaned_data["body"],
                    themes=form.cleaned_data.get("themes", []),
                    countertransference=form.cleaned_data["countertransference"],
                    supervision=form.cleaned_data.get("supervision", ""),
                )
            except ValidationError as error:
                form.add_error(None, error)
            except PermissionDenied:
                raise Http404 from None
            except NotesCryptoError as error:
                # Nothing was saved: keep what she wrote on the page so nothing is lost.
                context["crypto_error"] = str(error)
                log.error(
                    "private note not saved for user %s: %s", request.user.pk, type(error).__name__
                )
                return render(request, "notes/note_form.html", context, status=503)
            else:
                messages.success(request, "Private note saved. Only you can read it.")
                return redirect("notes:detail", note.pk)
        return render(request, "notes/note_form.html", context, status=400)

    initial: dict[str, object] = {}
    content = None
    if existing is not None:
        try:
            content = services.read_note(reader=request.user, note=existing)
        except NotesCryptoError as error:
            return _crypto_unavailable(request, error, episode=session.episode)
        initial = {
            "body": content.body,
            "themes": list(content.themes),
            "countertransference": content.countertransference,
            "supervision": content.supervision,
        }
    else:
        try:
            check_keys()  # warn before she writes, not after
        except NotesCryptoError as error:
            context["crypto_error"] = str(error)
    context["form"] = ProcessNoteForm(
        initial=initial,
        style=style,
        keep_themes=bool(content and content.themes),
        keep_supervision=bool(content and content.supervision),
    )
    return render(request, "notes/note_form.html", context)


@login_required
def note_detail(request: AuthenticatedHttpRequest, note_id: int) -> HttpResponse:
    note = _own_note(request, note_id)
    try:
        content = services.read_note(reader=request.user, note=note)
    except NotesCryptoError as error:
        return _crypto_unavailable(request, error, episode=note.episode)
    return render(
        request,
        "notes/note_detail.html",
        {
            "note": note,
            "content": content,
            "episode": note.episode,
            "style": note_style(request.user).value,
            "can_edit": note.session_id is not None and may_write_for(request.user, note.episode),
        },
    )
