"""Production: PostgreSQL, Redis, secure cookies; every secret must come from the environment."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.base import HEHU_BLIND_INDEX_KEY, HEHU_FIELD_ENCRYPTION_KEYS, SECRET_KEY

DEBUG = False
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 31536000
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

for _name, _value in [
    ("HEHU_SECRET_KEY", SECRET_KEY),
    ("HEHU_FIELD_ENCRYPTION_KEYS", HEHU_FIELD_ENCRYPTION_KEYS),
    ("HEHU_BLIND_INDEX_KEY", HEHU_BLIND_INDEX_KEY),
]:
    if not _value:
        raise ImproperlyConfigured(f"{_name} must be set in production")
