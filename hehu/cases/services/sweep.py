"""The nightly deadline sweep: escalate overdue items, open and close cases by the calendar.

Set-based: a few UPDATE and INSERT … SELECT statements over the open items, whatever their
number. Python loops only over what changes tonight (new category entries, children who
turned 18), never over all items. Running it twice on the same date changes nothing the
second time: an item is raised only while its level is below its target, a case opened
since a category entry is not opened again, a closed case is not closed again.

Escalation (issue 4): an item overdue by more than the grace period (procedure parameter
`escalation_grace_working_days`, in working days, for the item's region) goes one level up;
after each further grace period one more, up to the city. The grace is resolved per county
present among the overdue items (provinces set it for their own regions).
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Case as CaseWhen
from django.db.models import DateTimeField, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from hehu.audit.models import AuditEntry, Verb
from hehu.audit.services import audit_record
from hehu.cases.clocks import working_days_before, working_days_between
from hehu.cases.errors import CaseAlreadyOpen
from hehu.cases.models import Case, CloseReason, Escalation, Level, WorkItem
from hehu.cases.models.workitem import LEVEL_ORDER
from hehu.cases.procedures import procedure_value
from hehu.cases.services.cases import case_close, case_open
from hehu.cases.services.subscriptions import category_name_zh
from hehu.policy.engine.functions import add_months, age_on
from hehu.policy.models import CategoryEvent, ChildClassification
from hehu.registry.models import Child
from hehu.registry.selectors import region_scope_q

ONE_DAY = dt.timedelta(days=1)
# Escalation stops at the city: the province sees indicators, not individual items.
TOP = LEVEL_ORDER.index(Level.CITY)
ADULT_AGE = 18
# Category entries looked at besides those recorded since the last sweep (a missed night).
CATEGORY_LOOKBACK_DAYS = 7


@dataclass
class SweepResult:
    as_of: dt.date
    escalated: int = 0  # items raised at least one level tonight
    escalations: int = 0  # steps written (an item may rise several levels at once)
    by_level: dict[str, int] = field(default_factory=dict)  # steps per level reached
    opened: int = 0  # cases opened for new category entries
    closed: int = 0  # cases closed because the child turned 18
    timings: dict[str, float] = field(default_factory=dict)

    def counts(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "escalated": self.escalated,
            "escalations": self.escalations,
            "by_level": self.by_level,
            "opened": self.opened,
            "closed": self.closed,
        }


def overdue_cutoff(as_of: dt.date, working_days: int) -> dt.date:
    """The latest due date of an item overdue by at least `working_days` on `as_of`
    (working days after the due date up to and including as_of)."""
    return working_days_before(as_of + ONE_DAY, working_days) - ONE_DAY


def _grace_groups(overdue: QuerySet[WorkItem], as_of: dt.date) -> dict[int, list[str]]:
    """Counties present among the overdue items, grouped by their grace period."""
    counties = (
        overdue.order_by()
        .annotate(county=Substr("region_code", 1, 6))
        .values_list("county", flat=True)
        .distinct()
    )
    groups: dict[int, list[str]] = defaultdict(list)
    for county in counties:
        grace = int(procedure_value("escalation_grace_working_days", county, as_of))
        groups[grace].append(county)
    return dict(groups)


def _scopes(groups: dict[int, list[str]]) -> list[tuple[int, Q]]:
    """A region filter per grace period; the biggest group as 'none of the others', so
    that the usual case (one grace everywhere) needs no region filter at all."""
    ordered = sorted(groups.items(), key=lambda kv: len(kv[1]))
    scopes: list[tuple[int, Q]] = []
    for grace, counties in ordered[:-1]:
        scopes.append((grace, region_scope_q(counties, field="region_code")))
    if ordered:
        others = [c for _grace, counties in ordered[:-1] for c in counties]
        rest = ~region_scope_q(others, field="region_code") if others else Q()
        scopes.append((ordered[-1][0], rest))
    return scopes


def _days_overdue(due_dates: Iterable[dt.date], as_of: dt.date) -> CaseWhen:
    """Working days overdue per due date, as a CASE expression (few distinct dates)."""
    whens = [When(due_on=d, then=Value(working_days_between(d, as_of))) for d in due_dates]
    return CaseWhen(*whens, default=Value(0), output_field=IntegerField())


def _step(queryset: QuerySet[WorkItem], to: Level, at: dt.datetime, as_of: dt.date) -> int:
    """Raise every item of `queryset` (all at one level) to `to`: an Escalation row each,
    written with INSERT … SELECT, then one UPDATE."""
    due_dates = list(queryset.order_by().values_list("due_on", flat=True).distinct())
    if not due_dates:
        return 0
    rows = queryset.order_by().values_list(
        "id",
        "level",
        Value(str(to)),
        Value(at, output_field=DateTimeField()),
        _days_overdue(due_dates, as_of),
    )
    select, params = rows.query.get_compiler(using=rows.db).as_sql()
    table = connection.ops.quote_name(Escalation._meta.db_table)
    columns = "item_id, from_level, to_level, at, days_overdue"
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {select}", params)  # noqa: S608
    return queryset.update(level=to, escalated_at=at)


def _escalate(as_of: dt.date, at: dt.datetime, result: SweepResult) -> None:
    open_items = WorkItem.objects.filter(status=WorkItem.Status.OPEN)
    overdue = open_items.filter(due_on__lt=as_of).exclude(level__in=[Level.CITY, Level.PROVINCE])
    by_level: dict[str, int] = defaultdict(int)
    for grace, scope in _scopes(_grace_groups(overdue, as_of)):
        # Step k is due once the item is overdue by more than k grace periods.
        for k in range(1, TOP + 1):
            cutoff = overdue_cutoff(as_of, k * grace + 1)
            for origin_index in range(TOP - k + 1):
                origin = LEVEL_ORDER[origin_index]
                before, to = LEVEL_ORDER[origin_index + k - 1], LEVEL_ORDER[origin_index + k]
                items = open_items.filter(
                    scope, origin_level=origin, level=before, due_on__lte=cutoff
                )
                steps = _step(items, to, at, as_of)
                by_level[str(to)] += steps
                result.escalations += steps
    result.escalated = open_items.filter(escalated_at=at).count()
    result.by_level = {level: n for level, n in by_level.items() if n}


def _last_sweep_at() -> dt.datetime | None:
    return (
        AuditEntry.objects.filter(verb=Verb.DEADLINES_SWEPT, object_type="sweep")
        .order_by("-id")
        .values_list("at", flat=True)
        .first()
    )


def _open_for_new_categories(as_of: dt.date, result: SweepResult) -> None:
    """Open a case for each child who entered a case-opening category and has none."""
    since = as_of - dt.timedelta(days=CATEGORY_LOOKBACK_DAYS)
    recent = Q(on__gt=since)
    last = _last_sweep_at()
    if last is not None:
        recent |= Q(recorded_at__gte=last)
    events = list(
        CategoryEvent.objects.filter(recent, kind=CategoryEvent.Kind.ENTERED, on__lte=as_of)
        .exclude(child_id__in=Case.objects.exclude(status=Case.Status.CLOSED).values("child_id"))
        .order_by("on", "id")
        .values_list("child_id", "category", "on")
    )
    if not events:
        return
    child_ids = {child_id for child_id, _category, _on in events}
    current = dict(
        ChildClassification.objects.filter(child_id__in=child_ids).values_list(
            "child_id", "categories"
        )
    )
    last_opened: dict[int, dt.datetime] = {}
    for child_id, opened_at in (
        Case.objects.filter(child_id__in=child_ids)
        .order_by("opened_at")
        .values_list("child_id", "opened_at")
    ):
        last_opened[child_id] = opened_at
    children = Child.objects.select_related("region").in_bulk(child_ids)
    done: set[int] = set()
    for child_id, category, on in events:
        child = children.get(child_id)
        if child is None or child_id in done or child.status != Child.Status.ACTIVE:
            continue
        if category not in current.get(child_id, []):
            continue  # left the category again since
        if category not in procedure_value("case_opening_categories", child.region_id, as_of):
            continue
        opened = last_opened.get(child_id)
        if opened is not None and timezone.localdate(opened) >= on:
            continue  # a case was opened (and closed) since the entry: not again
        if age_on(child.birth_date, as_of) >= ADULT_AGE:
            continue
        try:
            case_open(
                actor=None,
                child=child,
                source=Case.Source.CATEGORY,
                source_category=category,
                reason=_("儿童纳入“%(name)s”类别，系统自动开案。")
                % {"name": category_name_zh(child=child, code=category, on=on)},
            )
        except CaseAlreadyOpen:
            continue
        done.add(child_id)
        result.opened += 1


@transaction.atomic
def cases_open_for_current_categories(*, as_of: dt.date) -> int:
    """Open a case for every child now in a case-opening category who has none — once,
    when case management is first deployed over a registry already classified (the
    nightly sweep only looks at recent entries)."""
    opened = 0
    open_children = Case.objects.exclude(status=Case.Status.CLOSED).values("child_id")
    rows = (
        ChildClassification.objects.exclude(categories=[])
        .exclude(child_id__in=open_children)
        .values_list("child_id", "categories")
    )
    for child_id, categories in rows.iterator(chunk_size=2000):
        child = Child.objects.select_related("region").filter(pk=child_id).first()
        if child is None or child.status != Child.Status.ACTIVE:
            continue
        if age_on(child.birth_date, as_of) >= ADULT_AGE:
            continue
        opening = procedure_value("case_opening_categories", child.region_id, as_of)
        hit = [code for code in opening if code in categories]
        if not hit:
            continue
        try:
            case_open(
                actor=None,
                child=child,
                source=Case.Source.CATEGORY,
                source_category=hit[0],
                reason=_("儿童属于“%(name)s”类别，启用个案管理时系统开案。")
                % {"name": category_name_zh(child=child, code=hit[0], on=as_of)},
            )
        except CaseAlreadyOpen:
            continue
        opened += 1
    audit_record(
        actor=None,
        verb=Verb.CASE_OPENED,
        object_type="sweep",
        object_id="current_categories",
        changes={"opened": opened, "as_of": as_of.isoformat()},
    )
    return opened


def latest_adult_birth_date(as_of: dt.date) -> dt.date:
    """The latest birth date of someone 18 on `as_of` (age on the birthday, CC art. 202)."""
    candidate = add_months(as_of, -12 * ADULT_AGE) + ONE_DAY
    while age_on(candidate, as_of) < ADULT_AGE:
        candidate -= ONE_DAY
    return candidate


def _close_turned_18(as_of: dt.date, result: SweepResult) -> None:
    cases = Case.objects.exclude(status=Case.Status.CLOSED).filter(
        child__birth_date__lte=latest_adult_birth_date(as_of)
    )
    for case in cases.order_by("id"):
        case_close(
            actor=None,
            case=case,
            reason=CloseReason.TURNED_18,
            note=f"{as_of.isoformat()} 期限巡查：儿童已年满十八周岁",
        )
        result.closed += 1


@transaction.atomic
def deadlines_sweep(*, as_of: dt.date) -> SweepResult:
    """Escalate overdue items, open cases for new category entries, close at 18."""
    result = SweepResult(as_of=as_of)
    at = timezone.now()
    started = time.perf_counter()
    _escalate(as_of, at, result)
    result.timings["escalate"] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    _open_for_new_categories(as_of, result)
    result.timings["open_cases"] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    _close_turned_18(as_of, result)
    result.timings["close_cases"] = round(time.perf_counter() - started, 3)
    audit_record(
        actor=None,
        verb=Verb.DEADLINES_SWEPT,
        object_type="sweep",
        object_id=as_of.isoformat(),
        changes={**result.counts(), "timings": result.timings},
    )
    return result
