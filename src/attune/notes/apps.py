from django.apps import AppConfig


class NotesConfig(AppConfig):
    name = "attune.notes"
    verbose_name = "Private process notes"
