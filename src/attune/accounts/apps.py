from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "attune.accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from attune.accounts import signals  # noqa: F401  (connects the sign-in trail)
