from django.apps import AppConfig
from django.core import checks

from attune.crypto import NotesCryptoError, check_keys


class NotesConfig(AppConfig):
    name = "attune.notes"
    verbose_name = "Private process notes"

    def ready(self) -> None:
        checks.register(check_note_keys, checks.Tags.security)


def check_note_keys(app_configs: object = None, **kwargs: object) -> list[checks.CheckMessage]:
    """``attune check`` (and every command that runs the checks) reports unusable keys."""
    try:
        check_keys()
    except NotesCryptoError as error:
        # A warning, not an error: a bad notes key must not stop the server or the alert
        # evaluation; the note pages say so to the therapist instead.
        return [checks.Warning(str(error), id="notes.W001")]
    return []
