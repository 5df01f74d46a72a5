"""A month's roll for one or more counties: every amount to pay, before it is written.

Sources, in the order they appear on a child's transfer:
- monthly lines of the month (compiled: hehu.benefits.roll.compute);
- back pay: months since the county's first cycle (at most BACK_PAY_MONTHS back) that a
  child was entitled to and was not paid, for children whose enrolments changed since the
  county's previous roll (a confirmation recorded late, a retroactive confirmation);
- one-off aid granted for this month or earlier and not yet paid;
- failures of earlier cycles carried forward (same programme, month and amount);
- recoveries of open overpayments, deducted from what the child is paid this cycle (never
  below zero).

Nothing here writes: hehu.benefits.services.cycles writes the result in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import polars as pl
from django.db.models import Min, Q, Sum

from hehu.benefits.catalogue import standards
from hehu.benefits.child_entitlements import running_categories
from hehu.benefits.models import AidGrant, Enrolment, Overpayment, PaymentCycle, PaymentLine
from hehu.benefits.months import add_months, label
from hehu.benefits.roll.compute import month_lines
from hehu.benefits.roll.inputs import (
    enrolment_frame,
    enrolments_between,
    receiving_frame,
    student_ages,
)
from hehu.benefits.services.reconcile import failures_to_carry
from hehu.benefits.standards import NoStandard
from hehu.policy.engine.model import Text
from hehu.registry.models import Child

BACK_PAY_MONTHS = 24
ZERO = Decimal("0.00")
LIVE = ~Q(status=PaymentLine.Status.FAILED)


@dataclass
class PlannedLine:
    child_id: int
    programme: str
    service_month: dt.date
    kind: str
    amount: Decimal
    reasons: list[dict[str, str]]
    standard_amount: Decimal | None = None
    grant_id: int | None = None
    overpayment_id: int | None = None
    carried_from_id: int | None = None


@dataclass
class Roll:
    month: dt.date
    lines: dict[str, list[PlannedLine]] = field(default_factory=lambda: defaultdict(list))
    county_of_child: dict[int, str] = field(default_factory=dict)
    inputs: dict[str, object] = field(default_factory=dict)

    def add(self, county: str, line: PlannedLine) -> None:
        self.lines[county].append(line)
        self.county_of_child.setdefault(line.child_id, county)


def _text(text: Text) -> dict[str, str]:
    return {"zh": text.zh, "en": text.en}


def _reasons(reasons: object) -> list[dict[str, str]]:
    return [_text(r) for r in reasons]  # type: ignore[attr-defined]


def _window_starts(counties: Sequence[str], month: dt.date) -> dict[str, dt.date]:
    """Per county, the first month back pay may reach: its first cycle, at most 24 back."""
    first = {
        row["county_code"]: row["first"]
        for row in PaymentCycle.objects.filter(county_code__in=counties)
        .values("county_code")
        .annotate(first=Min("month"))
    }
    floor = add_months(month, -BACK_PAY_MONTHS)
    return {c: max(first.get(c, month), floor) for c in counties}


def _previous_generation(counties: Sequence[str], month: dt.date) -> dict[str, dt.datetime]:
    """When each county's previous roll was generated (changes after it may need back pay)."""
    out: dict[str, dt.datetime] = {}
    for county, generated_at in (
        PaymentCycle.objects.filter(county_code__in=counties, month__lt=month)
        .order_by("county_code", "-month")
        .values_list("county_code", "generated_at")
    ):
        out.setdefault(county, generated_at)
    return out


def _monthly(
    roll: Roll,
    frame: pl.DataFrame,
    receiving: pl.DataFrame,
    month: dt.date,
    ages: dict[str, int],
    taken: set[tuple[int, str, dt.date]],
) -> int:
    lines = month_lines(
        standards=standards(),
        enrolments=frame,
        receiving=receiving,
        month=month,
        student_age=ages,
    )
    added = 0
    for child_id, programme, service_month, amount, standard, reasons, county in lines.iter_rows():
        if amount <= 0 or (child_id, programme, service_month) in taken:
            continue
        why = _reasons(reasons)
        if service_month < roll.month:
            why.append(
                {
                    "zh": f"补发 {label(service_month)}：当月有待遇资格但未列入当月名册",
                    "en": f"back pay for {label(service_month)}: entitled but not on that roll",
                }
            )
        roll.add(
            county,
            PlannedLine(
                child_id=child_id,
                programme=programme,
                service_month=service_month,
                kind=PaymentLine.Kind.MONTHLY,
                amount=amount,
                standard_amount=standard,
                reasons=why,
            ),
        )
        added += 1
    return added


def _taken(
    child_filter: Q, months: Sequence[dt.date], exclude_cycles: Sequence[int]
) -> set[tuple[int, str, dt.date]]:
    rows = (
        PaymentLine.objects.filter(
            child_filter, LIVE, kind=PaymentLine.Kind.MONTHLY, service_month__in=list(months)
        )
        .exclude(cycle_id__in=list(exclude_cycles))
        .values_list("child_id", "programme", "service_month")
        .order_by()
    )
    return set(rows)


def build_roll(
    counties: Sequence[str],
    month: dt.date,
    *,
    exclude_cycles: Sequence[int] = (),
    full_back_pay_check: bool = False,
) -> Roll:
    """The roll of `month` for the counties (6-digit codes). `exclude_cycles`: the cycles
    being regenerated (their own lines do not count as paid)."""
    roll = Roll(month=month)
    windows = _window_starts(counties, month)
    earliest = min(windows.values(), default=month)
    enrolments = enrolments_between(counties, earliest, month)
    frame = enrolment_frame(enrolments)
    receiving = receiving_frame(enrolments)
    ages = student_ages(counties, month)

    # This month: every running enrolment; a line already paid by another county's cycle
    # (the child moved) is not paid again.
    current = enrolments.filter(starts_month__lte=month)
    taken = _taken(Q(child_id__in=current.values("child_id")), [month], exclude_cycles)
    regular = _monthly(roll, frame, receiving, month, ages, taken)

    carried, carried_keys = _carried(roll, counties, month)
    # Back pay for children whose enrolments changed since the county's previous roll.
    previous = _previous_generation(counties, month)
    changed = Q()
    for county in counties:
        since = previous.get(county)
        if since is not None:
            changed |= Q(county_code=county, updated_at__gt=since)
    back_pay = 0
    if full_back_pay_check or previous:
        candidates = enrolments.filter(starts_month__lt=month)
        if not full_back_pay_check:
            candidates = candidates.filter(changed)
        ids = set(candidates.values_list("child_id", flat=True))
        if ids:
            past = frame.filter(pl.col("child_id").is_in(list(ids)))
            months = sorted({m for _county, m in _window_months(windows, month)})
            taken = _taken(Q(child_id__in=ids), months, exclude_cycles) | carried_keys
            for m in months:
                in_window = [c for c, start in windows.items() if start <= m]
                back_pay += _monthly(
                    roll,
                    past.filter(pl.col("county_code").is_in(in_window)),
                    receiving,
                    m,
                    student_ages(counties, m),
                    taken,
                )

    grants = _grants(roll, counties, month, exclude_cycles)
    adjustments = _adjustments(roll, counties, windows, month, exclude_cycles)
    recoveries = _recoveries(roll, counties, exclude_cycles)
    roll.inputs = {
        "month": label(month),
        "counties": list(counties),
        "enrolments": enrolments.count(),
        "lines": {
            "monthly": regular,
            "back_pay": back_pay,
            "one_off": grants,
            "carried": carried,
            "adjustment": adjustments,
            "recovery": recoveries,
        },
        "back_pay_from": {c: label(m) for c, m in windows.items()},
        "standards": [
            {"file": f.file, "id": f.id, "version": f.version} for f in standards().files
        ],
    }
    return roll


def _window_months(windows: dict[str, dt.date], month: dt.date) -> list[tuple[str, dt.date]]:
    out = []
    for county, start in windows.items():
        m = start
        while m < month:
            out.append((county, m))
            m = add_months(m, 1)
    return out


def _grants(roll: Roll, counties: Sequence[str], month: dt.date, exclude: Sequence[int]) -> int:
    paid = PaymentLine.objects.filter(LIVE, grant__isnull=False).exclude(cycle_id__in=exclude)
    grants = (
        AidGrant.objects.filter(county_code__in=counties, pay_month__lte=month, cancelled=False)
        .exclude(pk__in=paid.values("grant_id"))
        .order_by("pk")
    )
    n = 0
    for grant in grants:
        roll.add(
            grant.county_code,
            PlannedLine(
                child_id=grant.child_id,
                programme=grant.programme,
                service_month=grant.pay_month,
                kind=PaymentLine.Kind.ONE_OFF,
                amount=grant.amount,
                reasons=[
                    {"zh": f"临时性救助：{grant.reason}", "en": f"one-off aid: {grant.reason}"}
                ],
                grant_id=grant.pk,
            ),
        )
        n += 1
    return n


def _still_entitled(lines: list[PaymentLine]) -> set[int]:
    """The failed lines (ids) the child is still entitled to: an active file, and for a
    monthly line an enrolment that paid the programme in that month; for one-off aid a
    grant not cancelled."""
    children = {line.child_id for line in lines}
    people = Child.objects.in_bulk(list(children))
    enrolments: dict[int, list[Enrolment]] = defaultdict(list)
    for enrolment in Enrolment.objects.filter(child_id__in=children):
        enrolments[enrolment.child_id].append(enrolment)
    programmes = standards().programmes
    keep = set()
    for line in lines:
        child = people.get(line.child_id)
        if child is None or child.status != Child.Status.ACTIVE:
            continue
        if line.kind == PaymentLine.Kind.ONE_OFF:
            if line.grant is not None and not line.grant.cancelled:
                keep.add(line.pk)
            continue
        served = (
            set(programmes[line.programme].categories) if line.programme in programmes else set()
        )
        if served & set(running_categories(child, line.service_month, enrolments[child.pk])):
            keep.add(line.pk)
    return keep


def _carried(
    roll: Roll, counties: Sequence[str], month: dt.date
) -> tuple[int, set[tuple[int, str, dt.date]]]:
    """Failures of earlier cycles paid again, where the child is still entitled."""
    n = 0
    keys: set[tuple[int, str, dt.date]] = set()
    for county in counties:
        failed = list(failures_to_carry(county, month).select_related("cycle", "grant"))
        keep = _still_entitled(failed)
        for line in failed:
            if line.pk not in keep:
                continue
            keys.add((line.child_id, line.programme, line.service_month))
            roll.add(
                county,
                PlannedLine(
                    child_id=line.child_id,
                    programme=line.programme,
                    service_month=line.service_month,
                    kind=line.kind,
                    amount=line.amount,
                    standard_amount=line.standard_amount,
                    reasons=[
                        *line.reasons,
                        {
                            "zh": f"{label(line.cycle.month)} 批次未发放成功，本期续发",
                            "en": f"not paid in the {label(line.cycle.month)} cycle: paid now",
                        },
                    ],
                    grant_id=line.grant_id,
                    carried_from_id=line.pk,
                ),
            )
            n += 1
    return n, keys


FROZEN = ("approved", "exported", "reconciled")


def _adjustments(
    roll: Roll,
    counties: Sequence[str],
    windows: dict[str, dt.date],
    month: dt.date,
    exclude: Sequence[int],
) -> int:
    """A standard raised after a roll was frozen: the difference for the months already
    paid, as explicit adjustment lines (never an edit of the frozen roll).

    Only the (programme, county, month) whose recorded standard differs from the standard
    in force now are looked at — normally none, one DISTINCT query. A top-up keeps what the
    child received elsewhere (the old standard minus the old amount). A standard lowered
    afterwards is not recovered from families.
    """
    keys = set(
        PaymentLine.objects.filter(
            cycle__county_code__in=counties,
            cycle__status__in=FROZEN,
            kind=PaymentLine.Kind.MONTHLY,
            status__in=[PaymentLine.Status.PAID, PaymentLine.Status.PENDING],
            service_month__gte=min(windows.values(), default=month),
            service_month__lt=month,
            standard_amount__isnull=False,
        )
        .values_list("programme", "cycle__county_code", "service_month", "standard_amount")
        .distinct()
        .order_by()
    )
    changed: list[tuple[str, str, dt.date, Decimal, Decimal]] = []
    for programme, county, service_month, recorded in keys:
        try:
            now = standards().standard_amount(programme, county, service_month)
        except (NoStandard, KeyError):
            continue
        if now is not None and recorded is not None and now > recorded:
            changed.append((programme, county, service_month, recorded, now))
    n = 0
    for programme, county, service_month, recorded, now in changed:
        lines = PaymentLine.objects.filter(
            cycle__county_code=county,
            cycle__status__in=FROZEN,
            kind=PaymentLine.Kind.MONTHLY,
            status__in=[PaymentLine.Status.PAID, PaymentLine.Status.PENDING],
            programme=programme,
            service_month=service_month,
            standard_amount=recorded,
        ).values_list("child_id", "amount")
        # What earlier adjustments already paid, per child (one query for the key).
        adjusted = dict(
            PaymentLine.objects.filter(
                LIVE,
                programme=programme,
                service_month=service_month,
                kind=PaymentLine.Kind.ADJUSTMENT,
                child_id__in=lines.values("child_id"),
            )
            .exclude(cycle_id__in=exclude)
            .values("child_id")
            .annotate(total=Sum("amount"))
            .values_list("child_id", "total")
        )
        for child_id, amount in lines:
            received = recorded - amount
            due = max(now - received, ZERO)
            already = adjusted.get(child_id) or ZERO
            extra = due - amount - already
            if extra <= 0:
                continue
            roll.add(
                county,
                PlannedLine(
                    child_id=child_id,
                    programme=programme,
                    service_month=service_month,
                    kind=PaymentLine.Kind.ADJUSTMENT,
                    amount=extra,
                    standard_amount=now,
                    reasons=[
                        {
                            "zh": f"{label(service_month)} 标准由 {recorded} 元调整为 {now} 元，"
                            f"补发差额 {extra} 元",
                            "en": f"the {label(service_month)} standard rose from {recorded} "
                            f"to {now}: the difference {extra} is paid",
                        }
                    ],
                ),
            )
            n += 1
    return n


def _recoveries(roll: Roll, counties: Sequence[str], exclude: Sequence[int]) -> int:
    """Deduct open overpayments from what the child is paid this cycle (oldest first)."""
    pending = (
        PaymentLine.objects.filter(
            kind=PaymentLine.Kind.RECOVERY,
            status__in=[PaymentLine.Status.PENDING, PaymentLine.Status.HELD],
        )
        .exclude(cycle_id__in=exclude)
        .values("overpayment_id")
        .annotate(total=Sum("amount"))
    )
    in_flight = {row["overpayment_id"]: -row["total"] for row in pending}
    available: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for lines in roll.lines.values():
        for line in lines:
            available[line.child_id] += line.amount
    n = 0
    for debt in Overpayment.objects.filter(
        county_code__in=counties, status=Overpayment.Status.OPEN, child_id__in=list(available)
    ).order_by("service_month", "pk"):
        left = debt.amount - debt.recovered_amount - in_flight.get(debt.pk, ZERO)
        take = min(left, available[debt.child_id])
        if take <= 0:
            continue
        available[debt.child_id] -= take
        roll.add(
            roll.county_of_child.get(debt.child_id, debt.county_code),
            PlannedLine(
                child_id=debt.child_id,
                programme=debt.programme,
                service_month=debt.service_month,
                kind=PaymentLine.Kind.RECOVERY,
                amount=-take,
                reasons=[
                    {
                        "zh": f"扣回 {label(debt.service_month)} 多发 {take} 元：{debt.reason}",
                        "en": f"recovers {take} overpaid for {label(debt.service_month)}: "
                        f"{debt.reason}",
                    }
                ],
                overpayment_id=debt.pk,
            ),
        )
        n += 1
    return n
