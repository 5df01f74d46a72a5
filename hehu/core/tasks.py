"""Background tasks of the project itself (the domain apps keep theirs in their own tasks.py)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import connection


@shared_task(bind=True)
def health_check(self: Any) -> dict[str, str]:
    """Prove that tasks run and reach the database; say whether a worker or eager mode ran it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        row = cursor.fetchone()
    return {
        "status": "ok" if row == (1,) else "error",
        "database": connection.vendor,
        "mode": "eager" if self.request.is_eager else "worker",
    }
