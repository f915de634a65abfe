"""WSGI entry point for gunicorn."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "attune.settings")
application = get_wsgi_application()

# What start-up made (Django, the apps, numpy) lives as long as the worker: moved out of the
# garbage collector's sight, a full collection no longer walks it on a busy page (issue 11,
# web load: a full collection cost a long episode page about a fifth of its time).
gc.freeze()
