"""Encrypt the second-factor secrets stored in the clear before MFA_ADAPTER encrypted them.

If the keys cannot be used now (a misconfigured ATTUNE_NOTES_KEYS), the secrets stay as they
are — they still work — and `attune rotate-note-keys` encrypts them once the keys are fixed.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def seal(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from attune.accounts.mfa_secrets import sealed
    from attune.crypto import NotesCryptoError

    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.order_by("pk").iterator(chunk_size=500):
        try:
            data = sealed(authenticator.data)
        except NotesCryptoError:
            print("  Second-factor secrets left as they were: run `attune rotate-note-keys`.")
            return
        if data != authenticator.data:
            Authenticator.objects.filter(pk=authenticator.pk).update(data=data)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_sign_in_trail"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(seal, migrations.RunPython.noop)]
