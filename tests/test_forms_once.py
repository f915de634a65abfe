"""Every form is stored exactly once (issue 11): two tabs, two links, a replay or a race store
one check-in per session and person; a key reused for another form never claims a save."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import IntegrityError, connection, connections, transaction

from attune.care.submission import submit_form
from attune.measures.models import Phase, Response
from tests.answers import FREQUENCY

pytestmark = pytest.mark.django_db


def _answers(phq9_value: int = 1) -> dict[str, dict[str, str]]:
    return {
        "phq9": {f"phq9_{n}": FREQUENCY[phq9_value] for n in range(1, 10)}
        | {"phq9_9": FREQUENCY[0]},
        "gad7": {f"gad7_{n}": FREQUENCY[1] for n in range(1, 8)},
    }


def _send(episode, session, key=None, phq9_value=1):
    return submit_form(
        episode=episode,
        session=session,
        respondent=episode.client.user,
        phase=Phase.CHECK_IN,
        answers=_answers(phq9_value),
        idempotency_key=key or uuid.uuid4(),
    )


def test_a_second_tab_shows_what_the_first_stored(episode, upcoming):
    first = _send(episode, upcoming, phq9_value=1)
    second = _send(episode, upcoming, phq9_value=3)  # another tab, other answers, another key
    assert first.ok and not first.already_stored
    assert second.already_stored
    assert [r.pk for r in second.responses] == [r.pk for r in first.responses]
    phq9 = Response.objects.get(instrument_version__instrument__code="phq9")
    assert phq9.score == 8  # 8 items × 1 (item 9 answered 0): the first tab's answers
    assert Response.all_objects.count() == 2  # PHQ-9 and GAD-7, once


def test_a_replay_of_the_same_request_stores_nothing_new(episode, upcoming):
    key = uuid.uuid4()
    _send(episode, upcoming, key=key)
    replay = _send(episode, upcoming, key=key)
    assert replay.already_stored and Response.all_objects.count() == 2


def test_a_key_reused_for_another_session_stores_that_form(episode, upcoming, last_attended):
    key = uuid.uuid4()
    _send(episode, last_attended, key=key)
    other = _send(episode, upcoming, key=key)  # a copied page: same key, another session
    assert other.ok and not other.already_stored  # before issue 11: "saved", nothing stored
    assert Response.objects.filter(session=upcoming).count() == 2
    assert Response.objects.filter(session=last_attended).count() == 2


def test_the_database_refuses_a_second_check_in_for_the_session(episode, upcoming):
    stored = _send(episode, upcoming).responses[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.all_objects.create(
            episode=episode,
            session=upcoming,
            instrument_version=stored.instrument_version,
            respondent=stored.respondent,
            phase=stored.phase,
            answers=stored.answers,
            scores=stored.scores,
            idempotency_key=uuid.uuid4(),
            submitted_at=stored.submitted_at,
        )


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a real race needs PostgreSQL")
def test_twelve_tabs_sending_at_once_store_one_check_in(episode, upcoming):
    """Twelve threads, each its own connection and key, released together by a barrier."""
    tabs = 12
    barrier = threading.Barrier(tabs)
    outcomes: list[str] = []
    failures: list[BaseException] = []

    def tab(value: int) -> None:
        try:
            barrier.wait()
            result = _send(episode, upcoming, phq9_value=value % 4)
            outcomes.append("repeat" if result.already_stored else "stored")
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=tab, args=(n,)) for n in range(tabs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(outcomes) == ["repeat"] * (tabs - 1) + ["stored"]
    assert Response.all_objects.filter(session=upcoming).count() == 2
