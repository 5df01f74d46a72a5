"""Routing as Celery tasks: after commit, retried, the periodic routing of what is left,
and on a real worker through Redis."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.conf import settings

from hehu.core.tests.test_tasks import redis_worker  # noqa: F401 (the fixture)
from hehu.protection.models import Report, ReportRoute
from hehu.protection.report_tasks import report_route_task, reports_route_pending_task
from hehu.protection.services import reports as service
from hehu.protection.tests.test_reports_services import filed

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


def test_the_beat_routes_pending_reports_every_five_minutes() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["route-pending-reports"]
    assert entry["task"] == reports_route_pending_task.name
    assert entry["schedule"].minute == set(range(0, 60, 5))


@time_machine.travel(NOW, tick=False)
def test_the_task_routes_once_however_often_it_runs() -> None:
    report = filed()
    assert report_route_task.delay(report.pk).get() is True
    assert report_route_task.delay(report.pk).get() is False
    assert ReportRoute.objects.filter(report=report).count() == 3


def test_the_periodic_task_routes_only_what_waited_longer_than_the_retry_interval(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with time_machine.travel(NOW, tick=False):
        report = filed()
    with time_machine.travel(NOW + dt.timedelta(minutes=4), tick=False):
        assert reports_route_pending_task.delay().get() == 0
    with time_machine.travel(NOW + dt.timedelta(minutes=6), tick=False):
        assert reports_route_pending_task.delay().get() == 1
    report.refresh_from_db()
    assert report.routed_at is not None


@time_machine.travel(NOW, tick=False)
def test_a_failing_routing_is_retried_by_the_task(monkeypatch: pytest.MonkeyPatch) -> None:
    report = filed()
    calls: list[int] = []
    real = service._open_clock

    def flaky(*args: Any, **kwargs: Any) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("database went away")
        real(*args, **kwargs)

    monkeypatch.setattr(service, "_open_clock", flaky)
    # Eager tasks retry in process: the second attempt routes it.
    report_route_task.apply(args=(report.pk,), throw=False)
    report.refresh_from_db()
    assert report.routed_at is not None
    assert report.routing_attempts == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.services
def test_a_report_is_routed_by_a_worker_through_redis(
    redis_worker: Any,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, queue = redis_worker
    # Filing would queue the routing on the default queue: send it to the test's own.
    monkeypatch.setattr(service, "_queue_routing", lambda report_id: None)
    report = filed()
    assert Report.objects.get(pk=report.pk).routed_at is None

    result = report_route_task.apply_async((report.pk,), queue=queue)

    assert result.get(timeout=30) is True
    assert ReportRoute.objects.filter(report=report).count() == 3
