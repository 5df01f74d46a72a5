"""Background work of compulsory reports: routing a saved report, with retries, and the
periodic routing of whatever is still unrouted. Imported by the app's `ready()` so the
worker registers the tasks (the app's `tasks` module holds the other protection clocks)."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from hehu.cases.procedures import procedure_value
from hehu.protection.services.reports import report_route, reports_route_pending


@shared_task(
    name="hehu.protection.report_route_task",
    autoretry_for=(Exception,),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=8,
)
def report_route_task(report_id: int) -> bool:
    """Route one report (idempotent); a failure is recorded and retried with backoff."""
    return report_route(report_id=report_id)


@shared_task(name="hehu.protection.reports_route_pending_task")
def reports_route_pending_task() -> int:
    """Route the reports whose routing has failed for longer than the retry interval."""
    minutes = procedure_value("report_routing_retry_minutes", None, timezone.localdate())
    return reports_route_pending(older_than=dt.timedelta(minutes=minutes))
