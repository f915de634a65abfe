from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "attune.matching"
    verbose_name = "Matching and consultations"
