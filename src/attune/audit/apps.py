from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import AppConfig
from django.db.models.signals import post_save

if TYPE_CHECKING:
    from django.contrib.admin.models import LogEntry


def _admin_change_saved(
    sender: object, instance: LogEntry, created: bool, **kwargs: object
) -> None:
    # inline: apps.py is imported before the models are ready; audit.services imports them
    from attune.audit.services import record_admin_change

    if created:
        record_admin_change(instance)


class AuditConfig(AppConfig):
    name = "attune.audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        # Every change made in the Django admin is also an audit event (issue 11).
        post_save.connect(
            _admin_change_saved, sender="admin.LogEntry", dispatch_uid="audit-admin-changes"
        )
