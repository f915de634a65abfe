"""Branches of :mod:`attune.simulation.practice` the main tests leave: client names when the
name pool runs out or a name is taken."""

from __future__ import annotations

from datetime import date

import numpy as np

from attune.simulation import practice, text
from attune.simulation.practice import email_for


def test_client_names_skip_taken_emails_and_stop_when_the_pool_is_used_up() -> None:
    every = {email_for(f, last) for f in text.FIRST_NAMES for last in text.LAST_NAMES}
    # every generated name is taken: only client@ (the fixed demo client) is left
    people = practice._client_people(np.random.default_rng(0), 5, every)
    assert [p.email for p in people] == [practice._CLIENT.email]
    # all but one taken: that one is found, and asking for more than exist stops at the pool
    first, last = text.FIRST_NAMES[-1], text.LAST_NAMES[-1]
    spare = email_for(first, last)
    people = practice._client_people(np.random.default_rng(0), 5, every - {spare})
    assert [p.email for p in people] == [practice._CLIENT.email, spare]
    assert (people[1].first_name, people[1].last_name, people[1].key) == (
        first,
        last,
        "client-002",
    )


def test_small_practice_makes_a_stuck_episode_to_transfer() -> None:
    """With 20 clients and seed 3 no free episode is stuck by its draw (non-responder or
    unrepaired rupture), so one is made a non-responder: the warm referral still happens,
    and the client continues with a colleague."""
    sim = practice.simulate_practice(date(2026, 11, 25), seed=3, n_clients=20)
    moved = [e for e in sim.episodes if e.status == "transferred"]
    assert [e.archetype for e in moved] == ["non_responder"]
    after = [e for e in sim.episodes if e.client_key == moved[0].client_key and e is not moved[0]]
    assert len(after) == 1
    assert after[0].therapist_key != moved[0].therapist_key
    assert after[0].started_on >= moved[0].started_on
