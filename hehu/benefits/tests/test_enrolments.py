"""Enrolments: the county confirms, a recognition enrols by itself, a change stops payment
from the month after, and a late change leaves overpayments (DOMAIN.md §5)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from hehu.accounts.models import Role
from hehu.accounts.tests.factories import make_user
from hehu.benefits.child_entitlements import entitlements_of
from hehu.benefits.models import Enrolment, Overpayment, PaymentCycle, PaymentLine, StopReason
from hehu.benefits.services.enrolments import cancel_stop, enrol, record_change
from hehu.benefits.tests.factories import (
    EnrolmentFactory,
    PaymentCycleFactory,
    classified_child,
    make_transfer,
)
from hehu.core.errors import PermissionRefused, ValidationFailed
from hehu.registry.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


def test_the_county_confirms_and_payment_starts_the_month_after(county_officer) -> None:
    child = classified_child(["disabled_child"])
    enrolment = enrol(
        actor=county_officer,
        child=child,
        category="disabled_child",
        confirmed_on=dt.date(2026, 3, 5),
    )
    assert enrolment.starts_month == dt.date(2026, 4, 1)
    assert entitlements_of(child, dt.date(2026, 3, 1)).paid == ()
    april = {
        e.programme: e.monthly_amount for e in entitlements_of(child, dt.date(2026, 4, 1)).paid
    }
    assert april == {"disabled_living": Decimal("100.00"), "disabled_nursing": Decimal("90.00")}


def test_a_category_the_child_does_not_hold_is_refused(county_officer) -> None:
    child = classified_child(["left_behind"])
    with pytest.raises(ValidationFailed) as refused:
        enrol(
            actor=county_officer,
            child=child,
            category="disabled_child",
            confirmed_on=dt.date(2026, 3, 5),
        )
    assert "不属于此类别" in refused.value.errors["category"][0]


def test_a_category_no_monthly_programme_pays_is_refused(county_officer) -> None:
    child = classified_child(["left_behind"])
    with pytest.raises(ValidationFailed) as refused:
        enrol(
            actor=county_officer,
            child=child,
            category="left_behind",
            confirmed_on=dt.date(2026, 3, 5),
        )
    assert "不是按月发放待遇的类别" in refused.value.errors["category"][0]


def test_an_orphan_enrolled_by_hand_must_name_the_earlier_decision(county_officer) -> None:
    child = classified_child(["orphan"])
    with pytest.raises(ValidationFailed) as refused:
        enrol(
            actor=county_officer, child=child, category="orphan", confirmed_on=dt.date(2024, 3, 5)
        )
    assert "原认定文号" in refused.value.errors["note"][0]
    enrolment = enrol(
        actor=county_officer,
        child=child,
        category="orphan",
        confirmed_on=dt.date(2024, 3, 5),
        note="翠民发〔2024〕12号",
    )
    assert enrolment.starts_month == dt.date(2024, 4, 1)


@pytest.mark.parametrize(
    ("confirmed_on", "message"),
    [
        (None, "请填写确认日期"),
        (dt.date(2099, 1, 1), "不能晚于今天"),
        (dt.date(2010, 1, 1), "不能早于儿童出生日期"),
    ],
)
def test_impossible_confirmation_dates_are_refused(county_officer, confirmed_on, message) -> None:
    child = classified_child(["disabled_child"])
    with pytest.raises(ValidationFailed) as refused:
        enrol(
            actor=county_officer, child=child, category="disabled_child", confirmed_on=confirmed_on
        )
    assert message in refused.value.errors["confirmed_on"][0]
    assert not Enrolment.objects.exists()


def test_the_same_category_is_not_confirmed_twice(county_officer) -> None:
    child = classified_child(["disabled_child"])
    enrol(
        actor=county_officer,
        child=child,
        category="disabled_child",
        confirmed_on=dt.date(2026, 3, 5),
    )
    with pytest.raises(ValidationFailed) as refused:
        enrol(
            actor=county_officer,
            child=child,
            category="disabled_child",
            confirmed_on=dt.date(2026, 4, 5),
        )
    assert "2026-04 起发放" in refused.value.errors["category"][0]


def test_only_county_civil_affairs_of_the_childs_county_confirm(
    village_director, director_elsewhere
) -> None:
    child = classified_child(["disabled_child"])
    for actor in (village_director, make_user(Role.COUNTY_CIVIL_AFFAIRS, "511524")):
        with pytest.raises(PermissionRefused):
            enrol(
                actor=actor,
                child=child,
                category="disabled_child",
                confirmed_on=dt.date(2026, 3, 5),
            )


def test_a_death_stops_every_entitlement_from_the_month_after(county_officer) -> None:
    child = ChildFactory()
    a = EnrolmentFactory(child=child, category="orphan")
    b = EnrolmentFactory(child=child, category="disabled_child")
    record_change(
        actor=county_officer, child=child, reason=StopReason.DIED, changed_on=dt.date(2026, 5, 2)
    )
    for enrolment in (a, b):
        enrolment.refresh_from_db()
        assert enrolment.stops_month == dt.date(2026, 6, 1)
        assert enrolment.stop_reason == "died"
    assert entitlements_of(child, dt.date(2026, 5, 1)).paid
    assert entitlements_of(child, dt.date(2026, 6, 1)).paid == ()


def test_a_parent_able_to_care_again_ends_only_the_de_facto_entitlement(county_officer) -> None:
    child = ChildFactory()
    de_facto = EnrolmentFactory(child=child, category="de_facto_unattended")
    disabled = EnrolmentFactory(child=child, category="disabled_child")
    record_change(
        actor=county_officer,
        child=child,
        reason=StopReason.PARENT_ABLE,
        changed_on=dt.date(2026, 5, 2),
    )
    de_facto.refresh_from_db()
    disabled.refresh_from_db()
    assert de_facto.stops_month == dt.date(2026, 6, 1)
    assert disabled.stops_month is None


def test_a_change_reported_late_creates_overpayments_for_the_months_paid(county_officer) -> None:
    child = ChildFactory()
    EnrolmentFactory(child=child, category="de_facto_unattended")
    for month in (dt.date(2026, 6, 1), dt.date(2026, 7, 1), dt.date(2026, 8, 1)):
        cycle = PaymentCycleFactory(month=month, status=PaymentCycle.Status.RECONCILED)
        transfer = make_transfer(cycle, status="paid")
        PaymentLine.objects.filter(transfer=transfer).update(child=child)
    # Died on 2026-06-10, reported in late summer: July and August were paid in error.
    record_change(
        actor=county_officer, child=child, reason=StopReason.DIED, changed_on=dt.date(2026, 6, 10)
    )
    debts = Overpayment.objects.filter(child=child).order_by("service_month")
    assert [(d.service_month, d.amount) for d in debts] == [
        (dt.date(2026, 7, 1), Decimal("1651.00")),
        (dt.date(2026, 8, 1), Decimal("1651.00")),
    ]
    assert all(d.status == "open" and "死亡" in d.reason for d in debts)


def test_a_stop_undone_cancels_its_overpayments_and_a_new_stop_records_them_once(
    county_officer,
) -> None:
    child = ChildFactory()
    EnrolmentFactory(child=child, category="de_facto_unattended")
    cycle = PaymentCycleFactory(month=dt.date(2026, 7, 1), status=PaymentCycle.Status.RECONCILED)
    transfer = make_transfer(cycle, status="paid")
    PaymentLine.objects.filter(transfer=transfer).update(child=child)
    record_change(
        actor=county_officer, child=child, reason=StopReason.DIED, changed_on=dt.date(2026, 6, 10)
    )
    enrolment = Enrolment.objects.get(child=child)
    cancel_stop(
        actor=county_officer, enrolment=enrolment, expected_version=enrolment.version, note="误登记"
    )
    record_change(
        actor=county_officer, child=child, reason=StopReason.DIED, changed_on=dt.date(2026, 6, 10)
    )
    assert Overpayment.objects.filter(child=child).exclude(status="cancelled").count() == 1


def test_a_stop_without_running_entitlements_is_refused(county_officer) -> None:
    child = ChildFactory()
    with pytest.raises(ValidationFailed) as refused:
        record_change(
            actor=county_officer,
            child=child,
            reason=StopReason.DIED,
            changed_on=dt.date(2026, 6, 10),
        )
    assert "没有可停发" in refused.value.errors["reason"][0]
