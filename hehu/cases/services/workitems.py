"""Opening and closing work items: the clocks every other service sets and stops."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from hehu.cases.clocks import Due
from hehu.cases.levels import level_code
from hehu.cases.models import Level, WorkItem


def rule(zh: str, en: str) -> dict[str, str]:
    """The rule that set a date, as shown beside it ("开案后 5 个工作日内首次走访")."""
    return {"zh": zh, "en": en}


def work_item_open(
    *,
    kind: WorkItem.Kind | str,
    child_id: int | None,
    region_code: str,
    level: Level | str,
    due: Due,
    rule: dict[str, str],
    object_type: str,
    object_id: int,
    case_id: int | None = None,
    application_id: int | None = None,
    department: str = "civil_affairs",
    due_at: dt.datetime | None = None,
) -> WorkItem:
    """A new open item for the body at `level` over `region_code` (a village's code).

    `department` is the body that must act (civil affairs unless a protection matter is
    routed elsewhere); `due_at` the moment an hour clock runs out (`due.on` its date).
    `child_id` is None only for a report about a child not identified yet.
    """
    return WorkItem.objects.create(
        kind=kind,
        child_id=child_id,
        department=department,
        due_at=due_at,
        region_code=level_code(level, region_code),
        origin_level=level,
        level=level,
        due_on=due.on,
        provisional=due.provisional,
        rule=rule,
        object_type=object_type,
        object_id=object_id,
        case_id=case_id,
        application_id=application_id,
    )


def work_items_done(
    *,
    object_type: str,
    object_id: int,
    kinds: Iterable[str] | None = None,
    status: str = WorkItem.Status.DONE,
) -> int:
    """Stop the clocks of one object (all its open items, or those of the given kinds)."""
    queryset = WorkItem.objects.filter(
        object_type=object_type, object_id=object_id, status=WorkItem.Status.OPEN
    )
    if kinds is not None:
        queryset = queryset.filter(kind__in=list(kinds))
    return queryset.update(status=status, done_at=timezone.now())


def work_items_of_case_cancelled(*, case_id: int, **filters: Any) -> int:
    """Stop every open clock of a case (it closed, or moved and its items are re-set)."""
    return WorkItem.objects.filter(case_id=case_id, status=WorkItem.Status.OPEN, **filters).update(
        status=WorkItem.Status.CANCELLED, done_at=timezone.now()
    )
