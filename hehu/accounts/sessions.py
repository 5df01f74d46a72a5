"""The session engine (SESSION_ENGINE): Django's database sessions, each row stamped with
the time it was written, which is when its idle expiry was last moved forward."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DbSessionStore
from django.contrib.sessions.base_session import AbstractBaseSession

# Epoch seconds of the session's last write, kept inside the session data.
REFRESHED_KEY = "_hehu_refreshed"


class SessionStore(DbSessionStore):
    def create_model_instance(self, data: dict[str, Any]) -> AbstractBaseSession:
        # `data` is the session's own dict: the stamp stays visible to this request too.
        data[REFRESHED_KEY] = int(time.time())
        return super().create_model_instance(data)


def refreshed_at(session: Any) -> int | None:
    """When the session was last written (epoch seconds), if it was by this engine."""
    value = session.get(REFRESHED_KEY)
    return value if isinstance(value, int) else None
