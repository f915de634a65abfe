from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "attune.audit"
    verbose_name = "Audit trail"
