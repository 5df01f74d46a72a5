"""Benchmarks (bench/): the production settings, served over plain HTTP on loopback.

Everything else stays as in production (PostgreSQL, DEBUG off, manifest static files,
session and audit writes), so the figures are those of a real deployment minus TLS.
"""

from __future__ import annotations

from config.env import BASE_DIR
from config.settings.prod import *  # noqa: F403

ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STATIC_ROOT = BASE_DIR / "var" / "bench-static"
# Production's CompressedManifestStaticFilesStorage cannot collect the vendored Bootstrap
# bundle (its sourceMappingURL names a .map file that is not vendored); until that is
# fixed, benchmarks serve the same files compressed but without hashed names.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
