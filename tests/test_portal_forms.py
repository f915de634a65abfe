"""The client's forms read each POST as the pages always did (issue 15): typed text is never
refused by the form (the services clean it and give the messages), an unreadable key is None,
an unknown action falls back, a missing text keeps the message's words."""

from __future__ import annotations

import uuid

import pytest
from django.http import QueryDict

from attune.portal.forms import (
    DeletionRequestForm,
    EndingRequestForm,
    KeyForm,
    MessageEditForm,
    MessageForm,
)


def post(**fields: str) -> QueryDict:
    data = QueryDict(mutable=True)
    data.update(fields)
    return data


def test_the_message_form_keeps_the_words_as_typed_and_reads_the_box():
    key = uuid.uuid4()
    form = MessageForm(
        post(text="  a\x00b \r\n", intent="draft", share_at_session="on", idempotency_key=str(key))
    )
    assert form.values() == {"text": "  a\x00b \r\n", "intent": "draft", "share_at_session": True}
    assert form.key() == key


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("", None), ("not-a-uuid", None), ("0" * 32, uuid.UUID(int=0))],
    ids=["empty", "garbage", "hex"],
)
def test_an_unreadable_key_is_none(raw, expected):
    assert KeyForm(post(idempotency_key=raw)).key() == expected


def test_without_a_text_field_the_message_keeps_its_words_and_an_unknown_action_saves():
    form = MessageEditForm(post(action="shout", intent="draft"), current_text="kept")
    assert form.values()["text"] == "kept"
    assert form.value("action") == "save"
    assert MessageEditForm(post(action="share"), current_text="").value("action") == "share"
    assert MessageEditForm(post(text=""), current_text="kept").values()["text"] == ""


def test_the_ending_form_requests_unless_withdrawing_and_deletion_needs_yes():
    assert EndingRequestForm(post(action="withdraw")).value("action") == "withdraw"
    assert EndingRequestForm(post(reason="why")).value("action") == "request"
    assert EndingRequestForm(post(reason="why")).value("reason") == "why"
    assert DeletionRequestForm(post(confirm="yes")).value("confirm") is True
    assert DeletionRequestForm(post(confirm="on")).value("confirm") is False
    assert DeletionRequestForm(post()).value("confirm") is False
