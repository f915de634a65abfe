"""WSGI entry point for gunicorn."""

import gc
import os
from pathlib import Path

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "attune.settings")
application = get_wsgi_application()


def _load_what_every_request_shares() -> None:
    """Import every view (the URLconf) and compile every template now, not on the first
    request that needs them, so that they are made before ``gc.freeze`` below."""
    # inline: the URLconf and the template engines need the apps that get_wsgi_application
    #   set up just above
    from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - reading it imports every view module
    for engine in engines.all():
        for folder in engine.template_dirs:
            for path in Path(folder).rglob("*.html"):
                try:
                    engine.get_template(path.relative_to(folder).as_posix())
                except (TemplateDoesNotExist, TemplateSyntaxError):
                    continue  # shadowed by another app's template, or a fragment of one


_load_what_every_request_shares()
# What start-up made (Django, the apps, the views, the compiled templates, numpy) lives as
# long as the worker: moved out of the garbage collector's sight, a full collection no longer
# walks it on a busy page (issue 11, web load: a full collection cost a long episode page about
# a fifth of its time; measured in-process, frozen after the first request: 0.82 -> 0.07 ms of
# full collections per episode page).
gc.freeze()
# The youngest generation collected every 50,000 allocations rather than Python's 700: a long
# episode page allocates ~100,000 short-lived objects, nearly all freed by reference counting,
# and a collection every 700 of them walked what was still alive a hundred times a page (issue
# 11, web load; measured in-process, CPU time of the demo's longest episode page, median of 60:
# 24.0 -> 22.6 ms; the bare page unchanged, 2.8 ms). Cycles are still collected, a little later:
# a worker holds about 10 MB more (after 300 episode and 300 caseload pages: 129 -> 139 MB).
gc.set_threshold(50_000, 10, 10)
