"""Supervision of fund use: each cycle's roll is checked; what is found is recorded once,
with its evidence, on the county's work list; serious findings hold the payment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from hehu.benefits.anomalies.service import check_cycle, resolve_anomaly
from hehu.benefits.models import Anomaly, Enrolment, PaymentCycle, PaymentLine, Transfer
from hehu.benefits.tests.factories import PayeeAccountFactory, PaymentCycleFactory, make_transfer
from hehu.cases.models import WorkItem
from hehu.cases.services.visits import visit_record
from hehu.cases.tests.factories import director, make_case
from hehu.core.errors import ValidationFailed
from hehu.regions.tests.factories import region
from hehu.registry.models import Child
from hehu.registry.tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db
NOV = dt.date(2026, 11, 1)


def kinds(cycle: PaymentCycle) -> list[tuple[str, int | None]]:
    return sorted(Anomaly.objects.filter(cycle=cycle).values_list("kind", "child_id"))


def enrol(transfer: Transfer, category: str = "de_facto_unattended", **fields) -> Enrolment:
    return Enrolment.objects.create(
        child=transfer.child,
        category=category,
        county_code="511502",
        source="county",
        confirmed_on=dt.date(2025, 5, 10),
        starts_month=dt.date(2025, 6, 1),
        **fields,
    )


def seen(child, on: dt.date) -> None:
    case = make_case(child)
    visit_record(
        actor=director(),
        case=case,
        visited_on=on,
        child_seen=True,
        not_seen_reason="",
        living_conditions="fair",
        safety="safe",
        schooling="attending",
        health="good",
        notes="",
    )


def test_a_payment_after_death_is_found_and_held() -> None:
    cycle = PaymentCycleFactory(month=NOV)
    transfer = make_transfer(cycle)
    enrol(
        transfer,
        stops_month=dt.date(2026, 10, 1),
        stop_reason="died",
        changed_on=dt.date(2026, 9, 12),
    )
    seen(transfer.child, timezone.localdate())
    result = check_cycle(cycle=cycle)
    assert (Anomaly.Kind.PAID_AFTER_DEATH, transfer.child_id) in kinds(cycle)
    anomaly = Anomaly.objects.get(kind=Anomaly.Kind.PAID_AFTER_DEATH)
    assert "2026-09-12" in anomaly.evidence["zh"]
    assert "2026-11" in anomaly.evidence["zh"]
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.HELD
    assert "死亡" in transfer.hold_reason
    assert result.held == 1
    item = WorkItem.objects.get(object_type="benefit_anomaly", object_id=anomaly.pk)
    assert (item.kind, item.level, item.region_code) == (
        "benefit_anomaly",
        "county",
        "511502000000",
    )


def test_a_payment_after_the_18th_birthday_is_found() -> None:
    cycle = PaymentCycleFactory(month=NOV)
    transfer = make_transfer(cycle, birth_date=dt.date(2008, 5, 3))
    enrol(transfer)
    check_cycle(cycle=cycle)
    assert (Anomaly.Kind.PAID_AFTER_AGE_OUT, transfer.child_id) in kinds(cycle)


def test_a_payment_without_a_running_entitlement_is_found() -> None:
    cycle = PaymentCycleFactory(month=NOV)
    transfer = make_transfer(cycle)
    enrol(
        transfer,
        stops_month=dt.date(2026, 8, 1),
        stop_reason="adopted",
        changed_on=dt.date(2026, 7, 3),
    )
    check_cycle(cycle=cycle)
    assert (Anomaly.Kind.PAID_AFTER_EXIT, transfer.child_id) in kinds(cycle)


def test_one_account_for_children_of_two_households_is_found_and_siblings_are_not() -> None:
    cycle = PaymentCycleFactory(month=NOV)
    family = HouseholdFactory()
    a = make_transfer(cycle, household=family)
    b = make_transfer(cycle, household=family)
    for t in (a, b):
        enrol(t)
    number = "6217000011112222333"
    for t in (a, b):
        t.child.payee_accounts.update(active=False)
        account = PayeeAccountFactory(child=t.child, number=number)
        Transfer.objects.filter(pk=t.pk).update(account=account)
    check_cycle(cycle=cycle)
    assert Anomaly.Kind.SHARED_ACCOUNT not in [k for k, _c in kinds(cycle)]
    stranger = make_transfer(cycle, household=HouseholdFactory())
    enrol(stranger)
    stranger.child.payee_accounts.update(active=False)
    Transfer.objects.filter(pk=stranger.pk).update(
        account=PayeeAccountFactory(child=stranger.child, number=number)
    )
    check_cycle(cycle=cycle)
    shared = Anomaly.objects.get(kind=Anomaly.Kind.SHARED_ACCOUNT)
    assert shared.evidence["facts"]["households"] == 2
    assert sorted(shared.evidence["facts"]["children"]) == sorted(
        [a.child_id, b.child_id, stranger.child_id]
    )
    assert "2222333" not in str(shared.evidence)
    assert "3333" not in shared.evidence["zh"][:4]


def test_a_child_paid_two_child_allowances_for_a_month_is_found() -> None:
    cycle = PaymentCycleFactory(month=NOV)
    transfer = make_transfer(cycle)
    enrol(transfer)
    other = PaymentCycleFactory(county_code="511524", month=NOV, status="approved")
    PaymentLine.objects.create(
        cycle=other,
        child=transfer.child,
        programme="orphan_scattered",
        service_month=NOV,
        kind="monthly",
        amount=Decimal("1651"),
        status="pending",
    )
    check_cycle(cycle=cycle)
    found = Anomaly.objects.get(kind=Anomaly.Kind.PAID_TWICE)
    assert found.evidence["facts"]["counties"] == ["511502", "511524"]


def test_no_visit_seeing_the_child_in_the_period_is_found() -> None:
    cycle = PaymentCycleFactory(month=NOV)
    unseen = make_transfer(cycle)
    visited = make_transfer(cycle)
    for t in (unseen, visited):
        enrol(t)
    seen(visited.child, timezone.localdate())
    check_cycle(cycle=cycle)
    found = [c for k, c in kinds(cycle) if k == Anomaly.Kind.NO_VERIFICATION_VISIT]
    assert found == [unseen.child_id]


def test_an_amount_that_differs_from_the_standard_is_found() -> None:
    cycle = PaymentCycleFactory(month=NOV)
    transfer = make_transfer(cycle, amount=Decimal("1500.00"))
    enrol(transfer)
    check_cycle(cycle=cycle)
    found = Anomaly.objects.get(kind=Anomaly.Kind.AMOUNT_DIFFERS)
    assert "1651" in found.evidence["zh"]
    assert "1500" in found.evidence["zh"]


def test_checking_again_records_nothing_new() -> None:
    cycle = PaymentCycleFactory(month=NOV)
    enrol(make_transfer(cycle))
    first = check_cycle(cycle=cycle)
    again = check_cycle(cycle=cycle)
    assert first.new >= 1
    assert again.new == 0
    assert WorkItem.objects.filter(kind="benefit_anomaly").count() == first.new


def test_a_visit_finding_the_money_did_not_reach_the_child_is_an_anomaly(
    django_capture_on_commit_callbacks,
) -> None:
    case = make_case()
    with pytest.raises(ValidationFailed) as refused:
        visit_record(
            actor=director(),
            case=case,
            visited_on=timezone.localdate(),
            child_seen=True,
            not_seen_reason="",
            living_conditions="poor",
            safety="safe",
            schooling="attending",
            health="good",
            notes="",
            support_reached="not_reached",
        )
    assert "support_note" in refused.value.errors
    with django_capture_on_commit_callbacks(execute=True):
        visit_record(
            actor=director(),
            case=case,
            visited_on=timezone.localdate(),
            child_seen=True,
            not_seen_reason="",
            living_conditions="poor",
            safety="safe",
            schooling="attending",
            health="good",
            notes="",
            support_reached="not_reached",
            support_note="补贴被监护人用于还债",
        )
    found = Anomaly.objects.get(kind=Anomaly.Kind.SUPPORT_NOT_REACHED)
    assert found.child_id == case.child_id
    assert "还债" in found.evidence["zh"]


def test_resolving_an_anomaly_closes_its_work_item(county_officer) -> None:
    cycle = PaymentCycleFactory(month=NOV)
    enrol(make_transfer(cycle))
    check_cycle(cycle=cycle)
    anomaly = Anomaly.objects.get(kind=Anomaly.Kind.NO_VERIFICATION_VISIT)
    with pytest.raises(ValidationFailed):
        resolve_anomaly(
            actor=county_officer, anomaly=anomaly, outcome="explained", note="", expected_version=1
        )
    resolve_anomaly(
        actor=county_officer,
        anomaly=anomaly,
        outcome="explained",
        note="10 月已电话核实，本月补走访",
        expected_version=1,
    )
    item = WorkItem.objects.get(object_type="benefit_anomaly", object_id=anomaly.pk)
    assert item.status == WorkItem.Status.DONE


def test_a_child_whose_household_registration_moved_out_is_found() -> None:
    cycle = PaymentCycleFactory(month=NOV)
    transfer = make_transfer(cycle)
    enrol(transfer)
    Child.objects.filter(pk=transfer.child_id).update(hukou_region=region("511524100201"))
    check_cycle(cycle=cycle)
    found = Anomaly.objects.get(kind=Anomaly.Kind.PAID_AFTER_EXIT)
    assert "511524100201" in found.evidence["zh"]
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.HELD
