"""Branches of :mod:`attune.simulation.practice` the main tests leave: client names when the
name pool runs out or a name is taken."""

from __future__ import annotations

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
