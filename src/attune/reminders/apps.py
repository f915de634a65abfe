from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "attune.reminders"
    verbose_name = "Reminders and form links"

    def ready(self) -> None:
        from attune.reminders.redaction import install

        install()
