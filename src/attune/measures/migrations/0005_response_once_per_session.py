# One check-in and one feedback per session and person (issue 11); copies folded in 0004.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("measures", "0004_fold_forms_stored_twice")]

    operations = [
        migrations.AddConstraint(
            model_name="response",
            constraint=models.UniqueConstraint(
                condition=models.Q(("session__isnull", False)),
                fields=("session", "respondent", "phase", "instrument_version"),
                name="response_once_per_session",
            ),
        ),
    ]
