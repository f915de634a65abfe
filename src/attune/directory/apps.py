from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "attune.directory"
    verbose_name = "Directory and articles"
