"""A child's monthly cash entitlements for one month, with the reasons (DOMAIN.md §5).

Pure Python, over the loaded standards and what the caller knows of the child:

- the categories the child holds on the first day of the month (a change during a month
  stops payment from the next month: the category is still held on the first day of the
  month of the change);
- where the child lives (an orphan in an institution is paid the institutional standard);
- what the child already receives from other programmes (the facts' `receiving`);
- when the county confirmed the categories Hehu recognises (orphan, de facto unattended):
  payment starts from the month after confirmation.

Rules: among the child allowances (programmes whose stacking rule is `top_up` or
`highest_only`) only the highest standard is paid (就高不就低); a `top_up` programme pays the
difference over the allowances the child already receives (top-up, not stacking), never
below zero; a programme `exclusive_with` the one paid is not paid; `independent` monthly
programmes are paid in addition; one-off aid is decided per case and not part of the
month.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from hehu.benefits.standards.load import NoStandard, Standards
from hehu.benefits.standards.model import Programme
from hehu.policy.engine.model import Text

# Categories Hehu recognises itself (DOMAIN.md §6): their allowances start from the month
# after the county's confirmation.
CONFIRMED_CATEGORIES = ("orphan", "de_facto_unattended")
MONTHLY_KINDS = ("monthly_allowance", "supplement")
CHILD_ALLOWANCE_RULES = ("top_up", "highest_only")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Received:
    """An allowance the child already receives from another programme (facts `receiving`)."""

    programme: str
    monthly_amount: Decimal


@dataclass(frozen=True)
class Entitlement:
    programme: str
    monthly_amount: Decimal
    reasons: tuple[Text, ...]


@dataclass(frozen=True)
class Passed:
    """A programme the child's categories point to that is not paid this month, and why."""

    programme: str
    reason: Text


@dataclass(frozen=True)
class MonthEntitlements:
    month: dt.date
    paid: tuple[Entitlement, ...]
    passed: tuple[Passed, ...]

    @property
    def total(self) -> Decimal:
        return sum((e.monthly_amount for e in self.paid), ZERO)


def _month_after(day: dt.date) -> dt.date:
    return dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _label(programme: Programme) -> Text:
    return programme.label


def _eligible(
    programme: Programme,
    categories: set[str],
    living_arrangement: str,
) -> bool:
    if programme.kind not in MONTHLY_KINDS or not categories & set(programme.categories):
        return False
    if programme.code == "orphan_institutional":
        return living_arrangement == "institution"
    if programme.code == "orphan_scattered":
        return living_arrangement != "institution"
    return True


def month_entitlements(
    *,
    standards: Standards,
    region_code: str,
    month: dt.date,
    categories: Iterable[str],
    living_arrangement: str,
    receiving: Sequence[Received] = (),
    confirmed_on: Mapping[str, dt.date] | None = None,
) -> MonthEntitlements:
    """What the child is entitled to for `month` (its first day), with the reasons."""
    if month.day != 1:
        raise ValueError(f"a month is given by its first day, not {month.isoformat()}")
    held = set(categories)
    confirmed = dict(confirmed_on or {})
    passed: list[Passed] = []
    offers: list[tuple[Programme, Decimal, Text]] = []
    for programme in standards.programmes.values():
        if not _eligible(programme, held, living_arrangement):
            continue
        recognised = [c for c in programme.categories if c in held and c in CONFIRMED_CATEGORIES]
        if recognised:
            dates = [confirmed[c] for c in recognised if c in confirmed]
            if not dates:
                passed.append(
                    Passed(
                        programme.code,
                        Text("尚未经县级民政部门认定", "not yet confirmed by the county"),
                    )
                )
                continue
            start = _month_after(min(dates))
            if month < start:
                passed.append(
                    Passed(
                        programme.code,
                        Text(
                            f"认定后次月起发放（{start.year}年{start.month}月起）",
                            f"paid from the month after confirmation ({start.isoformat()[:7]})",
                        ),
                    )
                )
                continue
        try:
            standard = standards.standard(programme.code, region_code, month)
        except NoStandard:
            passed.append(
                Passed(programme.code, Text("本月没有适用的标准", "no standard applies this month"))
            )
            continue
        if standard.amount is None:
            passed.append(Passed(programme.code, Text("按个案确定", "decided case by case")))
            continue
        offers.append((programme, standard.amount, standard.explanation()))

    paid: list[Entitlement] = []
    allowances = [o for o in offers if o[0].stacking.rule in CHILD_ALLOWANCE_RULES]
    winner: Programme | None = None
    if allowances:
        winner, amount, why = max(allowances, key=lambda o: (o[1], o[0].code))
        reasons = [why]
        if len(allowances) > 1:
            reasons.append(
                Text(
                    "多项儿童保障就高不就低：按标准最高的一项发放",
                    "several child allowances: only the highest is paid",
                )
            )
        if winner.stacking.rule == "top_up":
            for other in receiving:
                if other.programme == winner.code or other.monthly_amount <= 0:
                    continue
                amount -= other.monthly_amount
                reasons.append(
                    Text(
                        f"已领取 {other.programme} 每月 {other.monthly_amount} 元，补差发放",
                        f"already receives {other.programme} {other.monthly_amount} a month: "
                        f"the difference is paid",
                    )
                )
            amount = max(amount, ZERO)
        paid.append(Entitlement(winner.code, amount.quantize(Decimal("0.01")), tuple(reasons)))
        for programme, _amount, _why in allowances:
            if programme is not winner:
                passed.append(
                    Passed(
                        programme.code,
                        Text(
                            f"就高不就低：已按 {winner.code} 发放",
                            f"highest only: {winner.code} is paid",
                        ),
                    )
                )
    for programme, amount, why in offers:
        if programme.stacking.rule in CHILD_ALLOWANCE_RULES:
            continue
        if winner is not None and (
            programme.code in winner.stacking.exclusive_with
            or winner.code in programme.stacking.exclusive_with
        ):
            passed.append(
                Passed(
                    programme.code,
                    Text(f"不与 {winner.code} 同时发放", f"not paid together with {winner.code}"),
                )
            )
            continue
        paid.append(Entitlement(programme.code, amount, (why,)))
    return MonthEntitlements(month, tuple(paid), tuple(passed))
