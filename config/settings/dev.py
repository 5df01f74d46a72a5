"""`make run`: embedded SQLite, eager background tasks, demo keys from var/dev.env."""

from __future__ import annotations

from config.env import env_bool
from config.settings.base import *  # noqa: F403
from config.settings.base import CELERY_TASK_ALWAYS_EAGER

DEBUG = env_bool("HEHU_DEBUG", True)
# Without Redis, `make run` runs background tasks in-process (see README).
CELERY_TASK_ALWAYS_EAGER = env_bool("HEHU_CELERY_EAGER", True) or CELERY_TASK_ALWAYS_EAGER
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
