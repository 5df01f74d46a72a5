"""The payment data the report tests read: March 2026 rolls of two counties of 宜宾市, with
every kind of line, and a third county without a roll; figures computed by hand below."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hehu.accounts.models import Department, Role, User
from hehu.accounts.tests.factories import make_user
from hehu.benefits.models import PaymentCycle, PaymentLine, Transfer
from hehu.benefits.tests.factories import PaymentCycleFactory, make_transfer
from hehu.regions.tests.factories import region

MARCH = dt.date(2026, 3, 1)
FEBRUARY = dt.date(2026, 2, 1)
JANUARY = dt.date(2026, 1, 1)
STREET = "511502001001"  # 翠屏区 street 001, community 001
TOWN = "511502100201"  # 翠屏区 town 100, village 201
CHANGNING = "511524100201"  # 长宁县 town 100, village 201
D = Decimal


def line(
    transfer: Transfer,
    *,
    programme: str = "de_facto_unattended",
    amount: str | Decimal,
    kind: str = PaymentLine.Kind.MONTHLY,
    service_month: dt.date | None = None,
    carried_from: PaymentLine | None = None,
) -> PaymentLine:
    """One more line on the child's transfer (same status as the transfer)."""
    return PaymentLine.objects.create(
        cycle=transfer.cycle,
        transfer=transfer,
        child=transfer.child,
        programme=programme,
        service_month=service_month or transfer.cycle.month,
        kind=kind,
        amount=D(amount),
        status=transfer.status,
        carried_from=carried_from,
    )


def child_in(village: str) -> dict[str, Any]:
    return {"region": region(village)}


@dataclass
class Rolls:
    cuiping: PaymentCycle  # 511502, March, reconciled
    changning: PaymentCycle  # 511524, March, generated
    february: PaymentCycle  # 511502, February, reconciled (not in March's statement)


def march_rolls() -> Rolls:
    """The rolls of the report tests.

    翠屏区 (511502), March, reconciled:
      A street 001/001: de facto 1651.00 paid; back pay February 1651.00 paid; recovery
        −200.00 paid.
      B town 100/201: orphan scattered 1500.00 failed.
      C town 100/201: de facto 1651.00 held; education aid 800.00 held (one-off).
      D lives in 长宁县 (moved): de facto 1651.00 pending; carried January 1651.00 pending.
    长宁县 (511524), March, generated:
      E 长宁县 town 100/201: de facto 1400.00 pending.
    南溪区 (511503): no roll.
    """
    region("511503000000", name="南溪区")
    cuiping = PaymentCycleFactory(
        county_code="511502", month=MARCH, status=PaymentCycle.Status.RECONCILED
    )
    february = PaymentCycleFactory(
        county_code="511502", month=FEBRUARY, status=PaymentCycle.Status.RECONCILED
    )
    changning = PaymentCycleFactory(county_code="511524", month=MARCH)
    paid, failed, held = Transfer.Status.PAID, Transfer.Status.FAILED, Transfer.Status.HELD
    pending = Transfer.Status.PENDING

    a = make_transfer(cuiping, amount=D("1651.00"), status=paid, **child_in(STREET))
    line(a, amount="1651.00", service_month=FEBRUARY)
    line(a, amount="-200.00", kind=PaymentLine.Kind.RECOVERY, service_month=JANUARY)
    make_transfer(
        cuiping, amount=D("1500.00"), status=failed, programme="orphan_scattered", **child_in(TOWN)
    )
    c = make_transfer(cuiping, amount=D("1651.00"), status=held, **child_in(TOWN))
    line(c, programme="education_aid", amount="800.00", kind=PaymentLine.Kind.ONE_OFF)
    d = make_transfer(cuiping, amount=D("1651.00"), status=pending, **child_in(CHANGNING))
    earlier = make_transfer(february, amount=D("1651.00"), status=failed, **child_in(STREET))
    line(d, amount="1651.00", service_month=JANUARY, carried_from=earlier.lines.get())
    make_transfer(changning, amount=D("1400.00"), status=pending, **child_in(CHANGNING))
    return Rolls(cuiping=cuiping, changning=changning, february=february)


def analyst(prefix: str = "5115", **kw: Any) -> User:
    return make_user(Role.CITY_ANALYST, prefix, **kw)


def officer(county: str = "511502", **kw: Any) -> User:
    return make_user(Role.COUNTY_CIVIL_AFFAIRS, county, department=Department.CIVIL_AFFAIRS, **kw)


NOVEMBER = dt.date(2026, 11, 1)


def checked_roll(
    county: str = "511502",
    *,
    village: str = STREET,
    amount: str = "1500.00",
    children: int = 1,
    **child: Any,
) -> tuple[PaymentCycle, Transfer]:
    """A November roll of the county whose children are paid an amount off the standard
    and were never visited: the checks find both for each, with their work items. Returns
    the cycle and the first child's transfer."""
    from hehu.benefits.anomalies.service import check_cycle
    from hehu.benefits.models import Enrolment

    cycle = PaymentCycleFactory(county_code=county, month=NOVEMBER)
    transfers = [
        make_transfer(cycle, amount=D(amount), region=region(village), **child)
        for _n in range(children)
    ]
    for transfer in transfers:
        Enrolment.objects.create(
            child=transfer.child,
            category="de_facto_unattended",
            county_code=county,
            source=Enrolment.Source.COUNTY,
            confirmed_on=dt.date(2025, 5, 10),
            starts_month=dt.date(2025, 6, 1),
        )
    check_cycle(cycle=cycle)
    return cycle, transfers[0]
