"""Who may see and act on an alert: predicates over the alert's episode."""

from __future__ import annotations

import rules

from attune.accounts.models import User
from attune.alerts.models import Alert
from attune.care.rules import is_episode_therapist, supervises_episode_therapist


@rules.predicate
def treats_alert_client(user: User, alert: Alert | None) -> bool:
    return alert is not None and is_episode_therapist.test(user, alert.episode)


@rules.predicate
def supervises_alert_therapist(user: User, alert: Alert | None) -> bool:
    return alert is not None and supervises_episode_therapist.test(user, alert.episode)


rules.add_perm("alerts.view_alert", treats_alert_client | supervises_alert_therapist)
rules.add_perm("alerts.act_on_alert", treats_alert_client)
