"""Reaching the real services from tests: Redis must answer in CI, may be absent locally.

CI (`.ci/run`) sets HEHU_REQUIRE_SERVICES=1: a test that needs Redis then fails when Redis is
down instead of skipping, so a green CI run means the real worker path ran.
"""

from __future__ import annotations

import os

import pytest
import redis

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def services_required() -> bool:
    return os.environ.get("HEHU_REQUIRE_SERVICES", "").strip().lower() in {"1", "true", "yes"}


def require_redis(url: str | None = None) -> str:
    """Return a Redis URL that answers PING; otherwise fail (CI) or skip (local)."""
    url = url or os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        message = f"Redis at {url} does not answer ({exc})"
        if services_required():
            pytest.fail(f"{message}; HEHU_REQUIRE_SERVICES=1 requires it")
        pytest.skip(f"{message}; start redis-server or set REDIS_URL to run this test")
    finally:
        client.close()
    return url
