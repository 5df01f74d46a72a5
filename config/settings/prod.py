"""Production: PostgreSQL, Redis, secure cookies; every secret must come from the environment."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from config.env import env_str
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

# One cache shared by every app server process: the public report page's rate limit (10
# reports per address per hour) and DRF's throttles count across workers only then.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env_str("HEHU_CACHE_URL", env_str("REDIS_URL", "redis://127.0.0.1:6379/0")),
        "KEY_PREFIX": "hehu",
    }
}

for _name, _value in [
    ("HEHU_SECRET_KEY", SECRET_KEY),
    ("HEHU_FIELD_ENCRYPTION_KEYS", HEHU_FIELD_ENCRYPTION_KEYS),
    ("HEHU_BLIND_INDEX_KEY", HEHU_BLIND_INDEX_KEY),
]:
    if not _value:
        raise ImproperlyConfigured(f"{_name} must be set in production")
