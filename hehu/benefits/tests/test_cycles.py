"""Payment cycles: the county's roll generated from enrolments, checked by one officer and
approved by another, frozen; back pay, carried failures and recoveries; never paid twice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from hehu.accounts.models import Role
from hehu.accounts.tests.factories import make_user
from hehu.benefits.models import (
    AidGrant,
    Overpayment,
    PaymentCycle,
    PaymentLine,
    StopReason,
    Transfer,
)
from hehu.benefits.months import add_months
from hehu.benefits.services.cycles import (
    approve_cycle,
    generate_cycle,
    return_cycle,
    submit_cycle,
)
from hehu.benefits.services.enrolments import record_change
from hehu.benefits.tests.factories import EnrolmentFactory, PayeeAccountFactory
from hehu.core.crypto import decrypt
from hehu.core.errors import PermissionRefused, ValidationFailed
from hehu.registry.models import Receiving
from hehu.registry.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db
NOV = dt.date(2026, 11, 1)
DEC = dt.date(2026, 12, 1)


@pytest.fixture
def checker(db):
    return make_user(Role.COUNTY_CIVIL_AFFAIRS, "511502", username="checker")


def enrolled(category: str = "de_facto_unattended", *, account: bool = True, **enrolment):
    child = ChildFactory()
    EnrolmentFactory(child=child, category=category, **enrolment)
    if account:
        PayeeAccountFactory(child=child)
    return child


def lines_of(cycle: PaymentCycle, child=None) -> list[tuple[str, dt.date, str, Decimal]]:
    rows = PaymentLine.objects.filter(cycle=cycle)
    if child is not None:
        rows = rows.filter(child=child)
    return sorted(rows.values_list("programme", "service_month", "kind", "amount"))


def approved(cycle: PaymentCycle, maker, checker) -> PaymentCycle:
    cycle = submit_cycle(actor=maker, cycle=cycle, expected_version=cycle.version)
    return approve_cycle(actor=checker, cycle=cycle, expected_version=cycle.version)


def test_the_roll_pays_each_enrolled_child_the_month_standard(county_officer) -> None:
    scattered = enrolled()
    dibao = enrolled()
    Receiving.objects.create(child=dibao, programme="dibao", monthly_amount=Decimal("400"))
    cycle = generate_cycle(actor=county_officer, county_code="511502", month=NOV)
    assert lines_of(cycle, scattered) == [
        ("de_facto_unattended", NOV, "monthly", Decimal("1651.00"))
    ]
    # Scenario 4: 1,651 − 400 = 1,251.
    assert lines_of(cycle, dibao) == [("de_facto_unattended", NOV, "monthly", Decimal("1251.00"))]
    assert cycle.children == 2
    assert cycle.total_amount == Decimal("2902.00")
    assert cycle.status == PaymentCycle.Status.GENERATED


def test_scenario_1_pays_from_the_month_after_confirmation(county_officer) -> None:
    child = enrolled(confirmed_on=dt.date(2026, 11, 20))
    november = generate_cycle(actor=county_officer, county_code="511502", month=NOV)
    assert lines_of(november, child) == []
    december = generate_cycle(actor=county_officer, county_code="511502", month=DEC)
    assert lines_of(december, child) == [
        ("de_facto_unattended", DEC, "monthly", Decimal("1651.00"))
    ]


def test_a_child_without_an_account_is_held_not_sent(county_officer) -> None:
    child = enrolled(account=False)
    cycle = generate_cycle(actor=county_officer, county_code="511502", month=NOV)
    transfer = Transfer.objects.get(cycle=cycle, child=child)
    assert transfer.status == Transfer.Status.HELD
    assert "收款账户" in transfer.hold_reason
    assert cycle.held_amount == Decimal("1651.00")


def test_the_account_is_frozen_with_the_transfer(county_officer) -> None:
    child = enrolled()
    cycle = generate_cycle(actor=county_officer, county_code="511502", month=NOV)
    transfer = Transfer.objects.get(cycle=cycle, child=child)
    assert transfer.account_last4 == child.payee_accounts.get().account_last4
    assert decrypt(transfer.account_encrypted) == f"62170000{child.pk:011d}"


def test_the_maker_cannot_approve_their_own_roll(county_officer, checker) -> None:
    enrolled()
    cycle = generate_cycle(actor=county_officer, county_code="511502", month=NOV)
    cycle = submit_cycle(actor=county_officer, cycle=cycle, expected_version=cycle.version)
    with pytest.raises(PermissionRefused, match="不能是名册的生成人或复核人"):
        approve_cycle(actor=county_officer, cycle=cycle, expected_version=cycle.version)
    cycle = approve_cycle(actor=checker, cycle=cycle, expected_version=cycle.version)
    assert cycle.status == PaymentCycle.Status.APPROVED
    assert len(cycle.lines_digest) == 64


def test_an_approved_roll_is_frozen(county_officer, checker) -> None:
    enrolled()
    cycle = approved(
        generate_cycle(actor=county_officer, county_code="511502", month=NOV),
        county_officer,
        checker,
    )
    enrolled()  # a new child after approval is not added to it
    with pytest.raises(ValidationFailed, match="已审批"):
        generate_cycle(actor=county_officer, county_code="511502", month=NOV)
    assert PaymentCycle.objects.get(pk=cycle.pk).children == 1


def test_the_checker_returns_a_roll_with_a_reason(county_officer, checker) -> None:
    enrolled()
    cycle = generate_cycle(actor=county_officer, county_code="511502", month=NOV)
    cycle = submit_cycle(actor=county_officer, cycle=cycle, expected_version=cycle.version)
    with pytest.raises(ValidationFailed):
        return_cycle(actor=checker, cycle=cycle, reason="", expected_version=cycle.version)
    cycle = return_cycle(
        actor=checker, cycle=cycle, reason="请核对新增儿童的账户", expected_version=cycle.version
    )
    assert cycle.status == PaymentCycle.Status.GENERATED
    assert cycle.returned_reason == "请核对新增儿童的账户"


def test_a_change_after_generation_must_be_generated_again_before_approval(
    county_officer, checker
) -> None:
    child = enrolled()
    cycle = generate_cycle(actor=county_officer, county_code="511502", month=NOV)
    cycle = submit_cycle(actor=county_officer, cycle=cycle, expected_version=cycle.version)
    record_change(
        actor=county_officer, child=child, reason=StopReason.DIED, changed_on=dt.date(2026, 10, 3)
    )
    with pytest.raises(ValidationFailed, match="重新生成"):
        approve_cycle(actor=checker, cycle=cycle, expected_version=cycle.version)
    cycle = generate_cycle(actor=county_officer, county_code="511502", month=NOV)
    assert lines_of(cycle, child) == []


def test_generating_again_replaces_the_roll_and_never_doubles_it(county_officer) -> None:
    child = enrolled()
    generate_cycle(actor=county_officer, county_code="511502", month=NOV)
    cycle = generate_cycle(actor=county_officer, county_code="511502", month=NOV)
    assert lines_of(cycle, child) == [("de_facto_unattended", NOV, "monthly", Decimal("1651.00"))]
    assert PaymentLine.objects.filter(child=child).count() == 1


def test_the_database_refuses_a_second_live_monthly_line(county_officer) -> None:
    child = enrolled()
    cycle = generate_cycle(actor=county_officer, county_code="511502", month=NOV)
    line = PaymentLine.objects.get(child=child)
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentLine.objects.create(
            cycle=cycle,
            child=child,
            programme=line.programme,
            service_month=NOV,
            kind="monthly",
            amount=line.amount,
            status="pending",
        )


def test_a_confirmation_recorded_late_is_back_paid_in_the_next_cycle(
    county_officer, checker
) -> None:
    enrolled()  # the county has rolls from October
    october = generate_cycle(actor=county_officer, county_code="511502", month=dt.date(2026, 10, 1))
    approved(october, county_officer, checker)
    november = generate_cycle(actor=county_officer, county_code="511502", month=NOV)
    approved(november, county_officer, checker)
    # Confirmed on 2026-09-15 on paper, recorded in Hehu after the November roll.
    late = enrolled(confirmed_on=dt.date(2026, 9, 15))
    december = generate_cycle(actor=county_officer, county_code="511502", month=DEC)
    assert lines_of(december, late) == [
        ("de_facto_unattended", dt.date(2026, 10, 1), "monthly", Decimal("1651.00")),
        ("de_facto_unattended", NOV, "monthly", Decimal("1651.00")),
        ("de_facto_unattended", DEC, "monthly", Decimal("1651.00")),
    ]
    reasons = PaymentLine.objects.get(cycle=december, child=late, service_month=NOV).reasons
    assert any("补发 2026-11" in r["zh"] for r in reasons)


def test_back_pay_does_not_reach_before_the_countys_first_roll(county_officer) -> None:
    child = enrolled(confirmed_on=dt.date(2025, 1, 10))
    cycle = generate_cycle(actor=county_officer, county_code="511502", month=NOV)
    assert lines_of(cycle, child) == [("de_facto_unattended", NOV, "monthly", Decimal("1651.00"))]


def test_a_failed_payment_is_carried_to_the_next_cycle(county_officer, checker) -> None:
    child = enrolled()
    november = approved(
        generate_cycle(actor=county_officer, county_code="511502", month=NOV),
        county_officer,
        checker,
    )
    # The bank refused it; the cycle was reconciled.
    Transfer.objects.filter(cycle=november).update(status="failed", failure_reason="账户已销户")
    PaymentLine.objects.filter(cycle=november).update(status="failed")
    PaymentCycle.objects.filter(pk=november.pk).update(status="reconciled")
    december = generate_cycle(actor=county_officer, county_code="511502", month=DEC)
    assert lines_of(december, child) == [
        ("de_facto_unattended", NOV, "monthly", Decimal("1651.00")),
        ("de_facto_unattended", DEC, "monthly", Decimal("1651.00")),
    ]
    carried = PaymentLine.objects.get(cycle=december, service_month=NOV)
    assert carried.carried_from.cycle_id == november.pk


def test_a_failure_of_a_child_no_longer_entitled_is_not_carried(county_officer, checker) -> None:
    child = enrolled()
    november = approved(
        generate_cycle(actor=county_officer, county_code="511502", month=NOV),
        county_officer,
        checker,
    )
    Transfer.objects.filter(cycle=november).update(status="failed")
    PaymentLine.objects.filter(cycle=november).update(status="failed")
    PaymentCycle.objects.filter(pk=november.pk).update(status="reconciled")
    record_change(
        actor=county_officer, child=child, reason=StopReason.DIED, changed_on=dt.date(2026, 10, 20)
    )
    december = generate_cycle(actor=county_officer, county_code="511502", month=DEC)
    assert lines_of(december, child) == []


def test_an_overpayment_is_deducted_from_the_next_payment(county_officer, checker) -> None:
    child = enrolled(category="disabled_child")
    EnrolmentFactory(child=child, category="de_facto_unattended")
    november = approved(
        generate_cycle(actor=county_officer, county_code="511502", month=NOV),
        county_officer,
        checker,
    )
    PaymentLine.objects.filter(cycle=november).update(status="paid")
    # The mother can care again since October: November's de facto allowance was overpaid.
    record_change(
        actor=county_officer,
        child=child,
        reason=StopReason.PARENT_ABLE,
        changed_on=dt.date(2026, 10, 20),
    )
    debt = Overpayment.objects.get(child=child)
    assert (debt.programme, debt.amount) == ("de_facto_unattended", Decimal("1651.00"))
    december = generate_cycle(actor=county_officer, county_code="511502", month=DEC)
    lines = lines_of(december, child)
    # December pays the disabled child's subsidies (190); the debt takes all of it.
    assert ("disabled_living", DEC, "monthly", Decimal("100.00")) in lines
    assert ("de_facto_unattended", NOV, "recovery", Decimal("-190.00")) in lines
    assert Transfer.objects.get(cycle=december, child=child).amount == Decimal("0.00")


def test_one_off_aid_is_paid_in_its_month_once(county_officer, checker) -> None:
    child = enrolled()
    AidGrant.objects.create(
        child=child,
        programme="temporary_assistance",
        county_code="511502",
        amount=Decimal("800"),
        pay_month=NOV,
        reason="火灾后临时救助",
        decided_on=dt.date(2026, 11, 3),
    )
    november = approved(
        generate_cycle(actor=county_officer, county_code="511502", month=NOV),
        county_officer,
        checker,
    )
    assert ("temporary_assistance", NOV, "one_off", Decimal("800.00")) in lines_of(november, child)
    december = generate_cycle(actor=county_officer, county_code="511502", month=DEC)
    assert all(kind != "one_off" for _p, _m, kind, _a in lines_of(december, child))


def test_only_county_civil_affairs_generate_rolls_of_their_county(village_director) -> None:
    with pytest.raises(PermissionRefused):
        generate_cycle(actor=village_director, county_code="511502", month=NOV)
    other = make_user(Role.COUNTY_CIVIL_AFFAIRS, "511524")
    with pytest.raises(PermissionRefused):
        generate_cycle(actor=other, county_code="511502", month=NOV)


def test_a_month_too_far_ahead_is_refused(county_officer) -> None:
    with pytest.raises(ValidationFailed, match="本月或下月"):
        generate_cycle(
            actor=county_officer,
            county_code="511502",
            month=add_months(timezone.localdate().replace(day=1), 2),
        )


def test_a_standard_raised_after_approval_is_paid_as_an_adjustment(
    county_officer, checker, settings, tmp_path
) -> None:
    import shutil

    from hehu.benefits.catalogue import DEFAULT_DIR

    child = enrolled()
    topped = enrolled()
    Receiving.objects.create(child=topped, programme="dibao", monthly_amount=Decimal("400"))
    november = approved(
        generate_cycle(actor=county_officer, county_code="511502", month=NOV),
        county_officer,
        checker,
    )
    assert lines_of(november, child) == [
        ("de_facto_unattended", NOV, "monthly", Decimal("1651.00"))
    ]
    # Published in December: the scattered-orphan standard is 1,700 from November.
    shutil.copytree(DEFAULT_DIR, tmp_path / "benefits")
    demo = tmp_path / "benefits" / "cn-51-yibin-demo.yaml"
    text = demo.read_text(encoding="utf-8")
    old = "      - {amount: 1651, from: 2025-01-01} # DEMO (DOMAIN.md §10)"
    assert old in text
    demo.write_text(
        text.replace(
            old,
            "      - {amount: 1651, from: 2025-01-01, to: 2026-10-31}\n"
            "      - {amount: 1700, from: 2026-11-01}",
        ),
        encoding="utf-8",
    )
    settings.HEHU_BENEFIT_DIR = str(tmp_path / "benefits")
    december = generate_cycle(actor=county_officer, county_code="511502", month=DEC)
    assert lines_of(december, child) == [
        ("de_facto_unattended", NOV, "adjustment", Decimal("49.00")),
        ("de_facto_unattended", DEC, "monthly", Decimal("1700.00")),
    ]
    # The top-up keeps the 400 received elsewhere: 1,300 − 1,251 = 49 for November.
    assert ("de_facto_unattended", NOV, "adjustment", Decimal("49.00")) in lines_of(
        december, topped
    )
    # The frozen November roll is unchanged; generating December again adds nothing more.
    assert lines_of(november, child) == [
        ("de_facto_unattended", NOV, "monthly", Decimal("1651.00"))
    ]
    again = generate_cycle(actor=county_officer, county_code="511502", month=DEC)
    assert len(lines_of(again, child)) == 2


def test_a_child_who_moved_is_paid_by_the_new_county_only() -> None:
    from hehu.benefits.services.cycles import generate_cycles
    from hehu.regions.tests.factories import region

    officer = make_user(Role.COUNTY_CIVIL_AFFAIRS, "5115", username="city_officer")
    child = enrolled(stops_month=DEC, stop_reason="moved_out")
    EnrolmentFactory(
        child=child, county_code="511524", confirmed_on=dt.date(2026, 11, 5)
    )  # from December
    type(child).objects.filter(pk=child.pk).update(region=region("511524100201"))

    result = generate_cycles(actor=officer, region_prefix="5115", month=DEC)

    paid = {c.county_code: lines_of(c, child) for c in result.cycles}
    assert paid == {"511524": [("de_facto_unattended", DEC, "monthly", Decimal("1651.00"))]}
