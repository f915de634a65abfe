from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "attune.notifications"
    verbose_name = "Safety notifications"
