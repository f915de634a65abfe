"""``attune check`` (and every command that runs the checks) refuses an installation in which a
care event has nobody to act on it: the safety answer's alert is never optional."""

from __future__ import annotations

from django.core import checks

from attune.care.events import MUST_HAVE_RECEIVER


def check_events_have_receivers(
    app_configs: object = None, **kwargs: object
) -> list[checks.CheckMessage]:
    return [
        checks.Error(
            f"care.events.{name} has no receiver: {why}.",
            hint="Install attune.alerts (its receivers are connected in AlertsConfig.ready).",
            id="care.E001",
        )
        for name, (event, why) in MUST_HAVE_RECEIVER.items()
        if not event.has_listeners()
    ]
