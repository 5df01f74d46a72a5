"""The Celery wiring: a real worker, in this process, consuming from real Redis."""

from __future__ import annotations

import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connection, connections

from config.celery import app
from hehu.core.tasks import health_check
from hehu.core.tests.services import require_redis

pytestmark = pytest.mark.django_db

_OVERRIDDEN = ("broker_url", "result_backend", "task_always_eager", "worker_hijack_root_logger")


def _close_worker_connections(**_: object) -> None:
    # The worker thread opens its own database connection; close it so that the test
    # database can be dropped at the end of the session (PostgreSQL refuses otherwise).
    connections.close_all()


@pytest.fixture
def redis_worker():
    """A real worker thread on a private queue, with broker and results in Redis."""
    url = require_redis()
    saved = {key: app.conf[key] for key in _OVERRIDDEN}
    # Not eager: the task must travel through Redis. Leave the test run's logging alone.
    app.conf.update(
        broker_url=url,
        result_backend=url,
        task_always_eager=False,
        worker_hijack_root_logger=False,
    )
    # A queue of our own: other test runs sharing this Redis never take our tasks.
    queue = f"hehu-test-{uuid.uuid4().hex}"
    task_postrun.connect(_close_worker_connections, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue]) as worker:
            yield worker, queue
    finally:
        task_postrun.disconnect(_close_worker_connections)
        app.conf.update(saved)


@pytest.mark.services
def test_it_runs_the_health_check_on_a_worker_through_redis(redis_worker):
    _, queue = redis_worker

    result = health_check.apply_async(queue=queue)

    assert result.get(timeout=20) == {
        "status": "ok",
        "database": connection.vendor,
        "mode": "worker",
    }
    # The result came back through the Redis result backend, not from an eager run.
    assert app.backend.get_task_meta(result.id)["status"] == "SUCCESS"


def test_it_runs_the_health_check_in_process_when_tasks_are_eager():
    assert app.conf.task_always_eager, "make run and the test settings run tasks eagerly"

    result = health_check.delay()

    assert result.get() == {"status": "ok", "database": connection.vendor, "mode": "eager"}


def test_it_fails_rather_than_skips_when_ci_requires_a_missing_redis(monkeypatch):
    monkeypatch.setenv("HEHU_REQUIRE_SERVICES", "1")
    with pytest.raises(pytest.fail.Exception, match="requires it"):
        require_redis("redis://127.0.0.1:1/0")


def test_it_skips_with_a_reason_when_redis_is_missing_locally(monkeypatch):
    monkeypatch.delenv("HEHU_REQUIRE_SERVICES", raising=False)
    with pytest.raises(pytest.skip.Exception, match="start redis-server"):
        require_redis("redis://127.0.0.1:1/0")
