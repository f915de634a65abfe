"""The client's forms: what each POST carries, read by Django forms (issue 15: the views parsed
``request.POST`` by hand).

The rules — a message's length, a known choice, a rating from 0 to 10 — and their messages live
in the services (``portal.composer``, ``portal.exports``): these forms only read the fields,
accept whatever text was typed (the service cleans it) and fall back as the pages always did
(an unknown action saves or requests, an unreadable idempotency key is ``None``).
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.http import QueryDict


class TypedText(forms.CharField):
    """Text as the client typed it, never refused here: the service removes NUL characters,
    trims it and checks its length, with its own messages."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, strip=False, **kwargs)
        self.validators = [
            v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)
        ]


class _Read(forms.Form):
    """A form that reads a POST: every field optional, its value or its fallback."""

    def __init__(self, data: QueryDict) -> None:
        super().__init__(data)
        self.full_clean()

    def value(self, name: str) -> Any:
        """The field's cleaned value, or ``None`` when it could not be read."""
        return self.cleaned_data.get(name)


class KeyForm(_Read):
    """The idempotency key a form page carries (a questionnaire's answers are read by
    ``measures.form_layout.answers_from_post``, from the instrument's definition)."""

    idempotency_key = forms.UUIDField(required=False)

    def key(self) -> uuid.UUID | None:
        key: uuid.UUID | None = self.value("idempotency_key")  # a UUIDField's cleaned value
        return key


class MessageForm(KeyForm):
    """The composer: the words, the choice (share now, next session, draft), whether to share
    them at the session, and the idempotency key of the page."""

    text = TypedText()
    intent = TypedText()
    share_at_session = TypedText()

    def clean_share_at_session(self) -> bool:
        return bool(self.cleaned_data.get("share_at_session") == "on")

    def values(self) -> dict[str, object]:
        return {
            "text": self.value("text") or "",
            "intent": self.value("intent") or "",
            "share_at_session": bool(self.value("share_at_session")),
        }


class MessageEditForm(MessageForm):
    """Changing one message: "save", "share" (shares it now) or "delete"; without a ``text``
    field the message keeps its words."""

    action = TypedText()

    def __init__(self, data: QueryDict, *, current_text: str) -> None:
        self.current_text = current_text
        super().__init__(data)

    def clean_text(self) -> str:
        if "text" not in self.data:
            return self.current_text
        return str(self.cleaned_data.get("text", ""))

    def clean_action(self) -> str:
        action = self.cleaned_data.get("action")
        return action if action in ("share", "delete") else "save"


class EndingRequestForm(_Read):
    """Ask for an ending conversation (with an optional reason), or withdraw the request."""

    action = TypedText()
    reason = TypedText()

    def clean_action(self) -> str:
        return "withdraw" if self.cleaned_data.get("action") == "withdraw" else "request"


class GoalRatingForm(_Read):
    """The client's 0–10 rating of a goal, as sent (``composer.rate_goal`` checks it)."""

    rating = TypedText()


class DeletionRequestForm(_Read):
    """Asking for deletion needs the confirmation box ticked (``confirm=yes``)."""

    confirm = TypedText()

    def clean_confirm(self) -> bool:
        return bool(self.cleaned_data.get("confirm") == "yes")
