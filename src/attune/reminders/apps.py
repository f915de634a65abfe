from django.apps import AppConfig

from attune.reminders.redaction import install


class RemindersConfig(AppConfig):
    name = "attune.reminders"
    verbose_name = "Reminders and form links"

    def ready(self) -> None:
        install()
