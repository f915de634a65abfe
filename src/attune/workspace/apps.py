from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    name = "attune.workspace"
    verbose_name = "Therapist workspace"
