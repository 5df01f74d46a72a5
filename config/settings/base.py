"""Settings shared by every environment. Environment-specific files import * from here."""

from __future__ import annotations

from datetime import timedelta

import dj_database_url
from celery.schedules import crontab

from config.env import BASE_DIR, env_bool, env_int, env_list, env_str

SECRET_KEY = env_str("HEHU_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("HEHU_ALLOWED_HOSTS", ["localhost", "127.0.0.1"])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "axes",
    "hehu.core",
    "hehu.regions",
    "hehu.accounts",
    "hehu.registry",
    "hehu.audit",
    "hehu.policy",
    "hehu.cases",
    "hehu.protection",
    "hehu.benefits",
    "hehu.supply",
    "hehu.api",
    "hehu.web",
    "hehu.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "hehu.core.middleware.ContentSecurityPolicyMiddleware",
    # Django's, saving an unchanged session at most once a minute (idle expiry below).
    "hehu.accounts.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "hehu.core.middleware.RequestContextMiddleware",
    # django-axes must be last: it inspects the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "hehu" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'hehu.sqlite3'}"),
        conn_max_age=env_int("HEHU_DB_CONN_MAX_AGE", 60),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the user's jurisdictions with the user (one query).
    "hehu.accounts.backends.JurisdictionModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "hehu.accounts.passwords.CharacterClassValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

# Lock an account after repeated failed sign-ins (django-axes), per username.
AXES_FAILURE_LIMIT = env_int("HEHU_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("HEHU_LOGIN_LOCK_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
# The lock lasts the cool-off from the moment it was set, as the message promises; retries
# during the lock do not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "hehu.accounts.lockout.lockout_response"

# Sessions expire after inactivity; the cookie never outlives the browser by default.
SESSION_COOKIE_AGE = env_int("HEHU_SESSION_SECONDS", 30 * 60)
# The expiry moves forward when a request comes more than this long after it last moved
# (hehu.accounts.middleware.SessionMiddleware), not on every request: an idle session ends
# SESSION_COOKIE_AGE after its last request, up to this much earlier.
HEHU_SESSION_REFRESH_SECONDS = 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_ENGINE = "hehu.accounts.sessions"  # database sessions that record when written
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = BASE_DIR / env_str("HEHU_MEDIA_DIR", "var/media")
MEDIA_URL = "/media/"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Field encryption (resident ID numbers and other identifiers). Keys come from the
# environment; `make run` writes generated demo keys to var/dev.env.
HEHU_FIELD_ENCRYPTION_KEYS = env_list("HEHU_FIELD_ENCRYPTION_KEYS", [])
HEHU_BLIND_INDEX_KEY = env_str("HEHU_BLIND_INDEX_KEY", "")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "hehu.api.pagination.Pagination",
    "PAGE_SIZE": 25,
    "EXCEPTION_HANDLER": "hehu.api.errors.exception_handler",
    "DEFAULT_VERSIONING_CLASS": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Hehu API",
    "DESCRIPTION": "Hehu (呵护): protection of children in distress.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
}

CELERY_BROKER_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
CELERY_TASK_ALWAYS_EAGER = env_bool("HEHU_CELERY_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Periodic work (`celery -A config beat` runs the schedule; docs/operations.md).
CELERY_BEAT_SCHEDULE = {
    "classify-every-child-nightly": {
        "task": "hehu.policy.tasks.population_run_nightly",
        "schedule": crontab(hour=2, minute=0),
    },
    # After classification: opens cases for new category entries, escalates overdue work.
    "sweep-deadlines-nightly": {
        "task": "hehu.cases.tasks.deadlines_sweep_task",
        "schedule": crontab(hour=3, minute=30),
    },
    # A compulsory report whose routing failed is routed again (it was saved first).
    "route-pending-reports": {
        "task": "hehu.protection.reports_route_pending_task",
        "schedule": crontab(minute="*/5"),
    },
    # Hour clocks (a court's 72/24-hour protection order decision, police feedback on a
    # report) escalate as soon as they are past due, not the next night.
    "protection-clocks": {
        "task": "hehu.protection.tasks.protection_clocks_task",
        "schedule": crontab(minute="*/15"),
    },
    # Supervision of fund use: rolls not yet reconciled are checked again each night after
    # the sweep, so a death or a visit recorded since is caught before the money goes.
    "check-open-payment-cycles": {
        "task": "hehu.benefits.tasks.check_open_cycles_task",
        "schedule": crontab(hour=4, minute=0),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("HEHU_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Lockout is per account (username), as the brief asks. Adding the IP would lock out whole
# townships that share one carrier NAT address after one person's mistakes.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
