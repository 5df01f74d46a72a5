"""Celery application: Redis broker, tasks discovered from each Hehu app's tasks.py.

`make run` needs no worker: its settings run tasks eagerly, in-process. In production the
worker runs beside gunicorn with the same environment (docs/operations.md):

    celery -A config worker
"""

from __future__ import annotations

import os

from celery import Celery

# This module runs whenever the `config` package is imported (config/__init__.py), i.e.
# before config/wsgi.py's own default: it must be the production default too, or gunicorn
# started without DJANGO_SETTINGS_MODULE would silently serve the development settings.
# manage.py, the `hehu` command and pytest choose their settings before importing config.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")

app = Celery("hehu")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
