# Before the constraint of 0005 (one check-in and one feedback per session and person, issue 11),
# copies stored by two tabs or two links are folded: an identical copy is removed (its alerts point at
# the first), a copy with different answers is kept on the episode but detached from the session
# — nothing a client said is deleted.

from django.conf import settings
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps
from django.db.models import Count


def fold_duplicates(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Response = apps.get_model("measures", "Response")
    Alert = apps.get_model("alerts", "Alert")
    groups = (
        Response.objects.filter(session__isnull=False)
        .values("session", "respondent", "phase", "instrument_version")
        .annotate(copies=Count("pk"))
        .filter(copies__gt=1)
    )
    removed = detached = 0
    for group in groups:
        copies = list(
            Response.objects.filter(
                session=group["session"],
                respondent=group["respondent"],
                phase=group["phase"],
                instrument_version=group["instrument_version"],
            ).order_by("-complete", "submitted_at", "pk")
        )
        first, *others = copies
        for copy in others:
            if copy.answers == first.answers:
                Alert.objects.filter(response=copy).update(response=first)
                copy.delete()
                removed += 1
            else:
                copy.session = None
                copy.save(update_fields=["session"])
                detached += 1
    if removed or detached:
        print(f"\n  forms stored twice: {removed} identical copies removed, {detached} kept apart")


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0006_close_superseded_alerts"),
        ("care", "0002_ending_referral"),
        ("measures", "0003_response_complete"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(fold_duplicates, migrations.RunPython.noop),
    ]
