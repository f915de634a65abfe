"""Close open alerts whose key the engine no longer emits (issue 9).

The engine now shows one not-on-track card per run (`not_on_track:from-sN`, with reliable
deterioration, the approach review and a sudden loss as its reasons), one low-alliance state
per spell (`low_alliance:from-sN`), one as-if run (`as_if:from-sN`) and one fit rule (`fit_check`).
An open alert under an old key would never be updated again; it is closed with a line in its
trail saying why, and `attune evaluate` raises the concern again under its new key if it still
holds. Safety alerts are never touched.
"""

import re

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps
from django.utils import timezone

RETIRED_KINDS = ("reliable_deterioration", "modality_review", "sudden_loss")
OLD_KEYS = ("not_on_track", "as_if", "fit_check:answers")
OLD_LOW_ALLIANCE = re.compile(r"^low_alliance:s\d+$")
NOTE = (
    "Closed on upgrade: the engine now shows this concern under a new key (one card per run of "
    "a concern); it is raised again at the next evaluation if it still holds."
)


def close_superseded(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Alert = apps.get_model("alerts", "Alert")
    AlertEvent = apps.get_model("alerts", "AlertEvent")
    now = timezone.now()
    still_open = Alert.objects.exclude(status__in=("closed", "note")).exclude(kind="safety")
    for alert in still_open.iterator():
        superseded = (
            alert.kind in RETIRED_KINDS
            or alert.dedupe_key in OLD_KEYS
            or OLD_LOW_ALLIANCE.match(alert.dedupe_key)
        )
        if not superseded:
            continue
        alert.status = "closed"
        alert.closed_at = now
        alert.save(update_fields=["status", "closed_at"])
        AlertEvent.objects.create(alert=alert, kind="closed", at=now, note=NOTE)


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0005_engine_kinds_merged"),
    ]

    operations = [migrations.RunPython(close_superseded, migrations.RunPython.noop)]
