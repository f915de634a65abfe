"""Analytics reads from a read replica (docs/scaling.md, docs/deployment.md).

With ``DATABASE_REPLICA_URL`` set, the settings add the database alias ``replica`` and name it
in ``ATTUNE_ANALYTICS_REPLICA``. Reads made inside :func:`analytics_reads` — every request to
the practice outcomes pages (``ATTUNE_ANALYTICS_PATHS``, through
:class:`AnalyticsReadsMiddleware`) — go to the replica; every write, and every other read, goes
to ``default``. Sign-in state (sessions, the user, MFA) is always read from ``default``, so a
replica that lags a little never signs anyone out. Without a replica nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse

from attune import conf

_ANALYTICS: ContextVar[bool] = ContextVar("attune_analytics_reads", default=False)

#: Apps whose rows are always read from ``default`` (who is signed in must never lag).
PRIMARY_ONLY = frozenset({"sessions", "accounts", "auth", "mfa", "account", "socialaccount"})


@contextmanager
def analytics_reads() -> Iterator[None]:
    """Within this block, reads of clinical and practice data go to the replica (if any)."""
    token = _ANALYTICS.set(True)
    try:
        yield
    finally:
        _ANALYTICS.reset(token)


class AnalyticsReplicaRouter:
    """Django database router: analytics reads to the replica, the rest to ``default``."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        alias = conf.analytics_replica()
        if alias and _ANALYTICS.get() and model._meta.app_label not in PRIMARY_ONLY:
            return alias
        return None

    def db_for_write(self, model: type[Any], **hints: Any) -> str | None:
        return None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # The replica holds the same rows as default: objects from either may be related.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        # A replica follows its primary; it is never migrated on its own.
        return False if db == conf.analytics_replica() else None


class AnalyticsReadsMiddleware:
    """Requests to ``ATTUNE_ANALYTICS_PATHS`` read inside :func:`analytics_reads`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        paths = conf.analytics_paths()
        if conf.analytics_replica() and request.path.startswith(paths):
            with analytics_reads():
                return self.get_response(request)
        return self.get_response(request)
