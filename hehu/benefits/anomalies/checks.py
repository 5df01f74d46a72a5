"""The checks of a cycle's roll, each a few set-based queries (DOMAIN.md §5 fund use).

Each check returns Found items (kind, child or account, evidence); hehu.benefits.anomalies
.service records them once per cycle and opens the work items.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone

from hehu.benefits.catalogue import standards
from hehu.benefits.child_entitlements import running_categories
from hehu.benefits.models import Anomaly, Enrolment, PayeeAccount, PaymentCycle, PaymentLine
from hehu.benefits.months import add_months, label
from hehu.benefits.standards import NoStandard
from hehu.cases.models import Case, CloseReason, Visit
from hehu.policy.engine.model import Text
from hehu.registry.models import Child, Receiving

K = Anomaly.Kind
LIVE = ~Q(status=PaymentLine.Status.FAILED)
CHILD_ALLOWANCE_RULES = ("top_up", "highest_only")
ZERO = Decimal("0.00")


@dataclass
class Found:
    kind: str
    zh: str
    en: str
    child_id: int | None = None
    account_index: str = ""
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def evidence(self) -> dict[str, Any]:
        return {"zh": self.zh, "en": self.en, "facts": self.facts}


def _parameter(name: str, county: str, month: dt.date, default: float) -> float:
    parameter = standards().parameters.get(name)
    value = parameter.value_for(county, month) if parameter is not None else None
    return float(value) if value is not None else default


def _name(programme: str) -> Text:
    """A programme's name in both languages (its code when the standards do not know it)."""
    known = standards().programmes.get(programme)
    return known.label if known is not None else Text(programme, programme)


def _lines(cycle: PaymentCycle) -> list[tuple[int, str, dt.date, str, Decimal, Decimal | None]]:
    return list(
        PaymentLine.objects.filter(cycle=cycle)
        .exclude(status=PaymentLine.Status.FAILED)
        .values_list("child_id", "programme", "service_month", "kind", "amount", "standard_amount")
        .order_by("child_id", "service_month")
    )


def paid_after_death(cycle: PaymentCycle) -> list[Found]:
    """Lines for a month after the child's death, as recorded by a stop or a case closure."""
    lines = _lines(cycle)
    children = {row[0] for row in lines}
    died: dict[int, dt.date] = {}
    for child_id, changed_on in Enrolment.objects.filter(
        child_id__in=children, stop_reason="died", changed_on__isnull=False
    ).values_list("child_id", "changed_on"):
        if changed_on is not None:
            died[child_id] = min(changed_on, died.get(child_id, changed_on))
    for child_id, closed_at in Case.objects.filter(
        child_id__in=children, close_reason=CloseReason.DIED, closed_at__isnull=False
    ).values_list("child_id", "closed_at"):
        if closed_at is None:
            continue
        day = timezone.localtime(closed_at).date()
        died[child_id] = min(day, died.get(child_id, day))
    found = []
    for child_id, death in died.items():
        months = sorted(
            {row[2] for row in lines if row[0] == child_id and row[2] > death.replace(day=1)}
        )
        if months:
            found.append(
                Found(
                    K.PAID_AFTER_DEATH,
                    f"儿童已于 {death} 死亡，"
                    f"名册仍列有 {'、'.join(label(m) for m in months)} 的待遇",
                    f"the child died on {death}; the roll still pays "
                    f"{', '.join(label(m) for m in months)}",
                    child_id=child_id,
                    facts={"died_on": death.isoformat(), "months": [label(m) for m in months]},
                )
            )
    return found


def paid_after_age_out_or_exit(cycle: PaymentCycle) -> list[Found]:
    """Monthly lines for a month no running enrolment covers (age, stop, closed file)."""
    lines = [row for row in _lines(cycle) if row[3] == PaymentLine.Kind.MONTHLY]
    children = {row[0]: row for row in lines}
    people = Child.objects.in_bulk(list(children))
    enrolments: dict[int, list[Enrolment]] = defaultdict(list)
    for enrolment in Enrolment.objects.filter(child_id__in=list(children)):
        enrolments[enrolment.child_id].append(enrolment)
    programmes = standards().programmes
    found: dict[tuple[str, int], Found] = {}
    for child_id, programme, month, _kind, _amount, _standard in lines:
        child = people[child_id]
        served = set(programmes[programme].categories) if programme in programmes else set()
        if child.status != Child.Status.ACTIVE:
            found.setdefault(
                (K.PAID_AFTER_EXIT, child_id),
                Found(
                    K.PAID_AFTER_EXIT,
                    f"儿童档案状态为“{child.get_status_display()}”，名册仍列有待遇",
                    f"the child's file is {child.status}; the roll still pays",
                    child_id=child_id,
                    facts={"status": child.status},
                ),
            )
            continue
        if child.hukou_region_id[:6] != cycle.county_code:
            found.setdefault(
                (K.PAID_AFTER_EXIT, child_id),
                Found(
                    K.PAID_AFTER_EXIT,
                    f"儿童户籍已迁出本县（现为 {child.hukou_region_id}），名册仍列有待遇；"
                    f"请登记迁出并由迁入地确认",
                    f"the child's household registration moved out of the county (now "
                    f"{child.hukou_region_id}); record the move, the new county enrols",
                    child_id=child_id,
                    facts={"hukou_region": child.hukou_region_id},
                ),
            )
            continue
        running = running_categories(child, month, enrolments[child_id])
        if served & set(running):
            continue
        anyway = [e for e in enrolments[child_id] if e.runs_in(month) and e.category in served]
        if anyway:  # enrolled, but past the age limit
            birthday = child.birth_date.replace(year=child.birth_date.year + 18)
            found.setdefault(
                (K.PAID_AFTER_AGE_OUT, child_id),
                Found(
                    K.PAID_AFTER_AGE_OUT,
                    f"儿童已于 {birthday} 年满十八周岁，"
                    f"名册仍列有 {label(month)} 的{_name(programme).zh}",
                    f"the child turned 18 on {birthday}; the roll still pays "
                    f"the {_name(programme).en} "
                    f"for {label(month)}",
                    child_id=child_id,
                    facts={"turned_18": birthday.isoformat(), "month": label(month)},
                ),
            )
        else:
            found.setdefault(
                (K.PAID_AFTER_EXIT, child_id),
                Found(
                    K.PAID_AFTER_EXIT,
                    f"{label(month)} 没有正在发放的{_name(programme).zh}待遇资格（已停发或未确认）",
                    f"no running entitlement to the {_name(programme).en} in {label(month)} "
                    f"(stopped or never confirmed)",
                    child_id=child_id,
                    facts={"month": label(month), "programme": programme},
                ),
            )
    return list(found.values())


def shared_accounts(cycle: PaymentCycle) -> list[Found]:
    """One guardian account paid for children of several households in this cycle."""
    rows = (
        cycle.transfers.filter(account__holder_kind=PayeeAccount.Holder.GUARDIAN)
        .values_list("account__account_index", "child_id", "child__household_id", "account_last4")
        .order_by()
    )
    by_account: dict[str, list[tuple[int, int | None, str]]] = defaultdict(list)
    for index, child_id, household_id, last4 in rows:
        by_account[index].append((child_id, household_id, last4))
    threshold = int(_parameter("shared_account_households", cycle.county_code, cycle.month, 2))
    found = []
    for index, children in by_account.items():
        households = {h if h is not None else f"child-{c}" for c, h, _l in children}
        if len(households) >= threshold:
            ids = sorted(c for c, _h, _l in children)
            last4 = children[0][2]
            found.append(
                Found(
                    K.SHARED_ACCOUNT,
                    f"尾号 {last4} 的账户为 {len(households)} 户的 {len(ids)} 名儿童收款",
                    f"the account ending {last4} receives for {len(ids)} children of "
                    f"{len(households)} households",
                    account_index=index,
                    facts={"children": ids, "households": len(households), "last4": last4},
                )
            )
    return found


def paid_twice(cycle: PaymentCycle) -> list[Found]:
    """A child paid two child allowances (or exclusive programmes) for the same month,
    in this cycle or across cycles and counties."""
    mine = PaymentLine.objects.filter(cycle=cycle, kind=PaymentLine.Kind.MONTHLY).filter(LIVE)
    keys = set(mine.values_list("child_id", "service_month"))
    if not keys:
        return []
    children = {c for c, _m in keys}
    months = {m for _c, m in keys}
    paid: dict[tuple[int, dt.date], list[tuple[str, str]]] = defaultdict(list)
    for child_id, month, programme, county in (
        PaymentLine.objects.filter(
            LIVE, kind=PaymentLine.Kind.MONTHLY, child_id__in=children, service_month__in=months
        )
        .values_list("child_id", "service_month", "programme", "cycle__county_code")
        .order_by()
    ):
        if (child_id, month) in keys:
            paid[(child_id, month)].append((programme, county))
    programmes = standards().programmes
    found = []
    for (child_id, month), rows in paid.items():
        allowances = [
            p
            for p, _c in rows
            if p in programmes and programmes[p].stacking.rule in CHILD_ALLOWANCE_RULES
        ]
        exclusive = [
            (a, b)
            for a, _c in rows
            for b, _d in rows
            if a < b and a in programmes and b in programme_exclusions(programmes, a)
        ]
        if len(allowances) > 1 or exclusive:
            names = sorted({p for p, _c in rows})
            counties = sorted({c for _p, c in rows})
            found.append(
                Found(
                    K.PAID_TWICE,
                    f"{label(month)} 同时领取{'、'.join(_name(n).zh for n in names)}"
                    f"（发放县：{'、'.join(counties)}）",
                    f"paid the {', '.join(_name(n).en for n in names)} for {label(month)} "
                    f"(counties {', '.join(counties)})",
                    child_id=child_id,
                    facts={"month": label(month), "programmes": names, "counties": counties},
                )
            )
    return found


def programme_exclusions(programmes: dict[str, Any], code: str) -> set[str]:
    mine = set(programmes[code].stacking.exclusive_with)
    return mine | {c for c, p in programmes.items() if code in p.stacking.exclusive_with}


def no_verification_visit(cycle: PaymentCycle) -> list[Found]:
    """Children paid this cycle with no visit that saw them and recorded their living
    conditions in the period before the cycle's month ends."""
    months = int(_parameter("verification_visit_months", cycle.county_code, cycle.month, 6))
    end = add_months(cycle.month, 1)
    since = add_months(end, -months)
    paid = set(cycle.transfers.exclude(status="failed").values_list("child_id", flat=True))
    seen = set(
        Visit.objects.filter(
            case__child_id__in=paid,
            status=Visit.Status.DONE,
            child_seen=True,
            visited_on__gte=since,
            visited_on__lt=end,
        )
        .exclude(living_conditions="")
        .values_list("case__child_id", flat=True)
    )
    return [
        Found(
            K.NO_VERIFICATION_VISIT,
            f"{label(since)} 至 {label(cycle.month)} 没有见到儿童本人并记录生活状况的走访",
            f"no visit saw the child and recorded the living conditions from {label(since)} "
            f"to {label(cycle.month)}",
            child_id=child_id,
            facts={"since": since.isoformat(), "months": months},
        )
        for child_id in sorted(paid - seen)
    ]


def amounts_differ(cycle: PaymentCycle) -> list[Found]:
    """Monthly lines whose standard is not the standard in force for that month and county,
    or whose amount is above it, or below it by more than the child receives elsewhere."""
    lines = [row for row in _lines(cycle) if row[3] == PaymentLine.Kind.MONTHLY]
    received: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for child_id, programme, amount in Receiving.objects.filter(
        child_id__in={row[0] for row in lines}
    ).values_list("child_id", "programme", "monthly_amount"):
        received[child_id][programme] = received[child_id].get(programme, ZERO) + amount
    cache: dict[tuple[str, dt.date], Decimal | None] = {}
    found = []
    for child_id, programme, month, _kind, amount, standard in lines:
        key = (programme, month)
        if key not in cache:
            try:
                cache[key] = standards().standard_amount(programme, cycle.county_code, month)
            except (NoStandard, KeyError):
                cache[key] = None
        expected = cache[key]
        others = sum((v for p, v in received[child_id].items() if p != programme), ZERO)
        problem = ""
        if expected is not None and standard is not None and standard != expected:
            problem = f"标准为 {expected} 元，名册按 {standard} 元"
        elif standard is not None and amount > standard:
            problem = f"发放 {amount} 元，高于标准 {standard} 元"
        elif standard is not None and amount < standard and standard - amount > others:
            problem = f"发放 {amount} 元，低于标准 {standard} 元，且已领取的其他保障不足以解释差额"
        if problem:
            found.append(
                Found(
                    K.AMOUNT_DIFFERS,
                    f"{label(month)} {_name(programme).zh}：{problem}",
                    f"{label(month)} {_name(programme).en}: paid {amount}, standard {standard}, "
                    f"in force {expected}",
                    child_id=child_id,
                    facts={
                        "month": label(month),
                        "programme": programme,
                        "amount": str(amount),
                        "standard": str(standard),
                        "in_force": str(expected),
                    },
                )
            )
    return found


CHECKS = (
    paid_after_death,
    paid_after_age_out_or_exit,
    shared_accounts,
    paid_twice,
    no_verification_visit,
    amounts_differ,
)
# Found before approval, these hold the child's transfer: nothing is sent until explained.
HOLDING = {K.PAID_AFTER_DEATH, K.PAID_AFTER_AGE_OUT, K.PAID_AFTER_EXIT, K.PAID_TWICE}
