"""DOMAIN.md §10 end to end through the payment roll (Yibin demo standards: scattered
orphan 1,651 yuan, institutional 1,851; benefits from the month after confirmation)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
import time_machine

from hehu.benefits.models import Enrolment, PaymentLine
from hehu.benefits.services.cycles import generate_cycle
from hehu.benefits.tests.factories import EnrolmentFactory, PayeeAccountFactory
from hehu.cases.services.recognition import application_decide
from hehu.cases.tests.factories import county_officer
from hehu.cases.tests.test_services_recognition import verified
from hehu.registry.models import Receiving
from hehu.registry.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2025, 6, 30, 9, tzinfo=dt.UTC), tick=False):
        yield


def paid(cycle, child) -> list[tuple[str, dt.date, Decimal]]:
    return sorted(
        PaymentLine.objects.filter(cycle=cycle, child=child).values_list(
            "programme", "service_month", "amount"
        )
    )


def test_scenario_1_an_approved_recognition_is_paid_1651_from_the_month_after(
    django_capture_on_commit_callbacks,
) -> None:
    # Applied 2025-04-01 for a 10-year-old whose father is dead and mother in prison;
    # verified by the township; the county confirms on 2025-05-06.
    officer = county_officer()
    with django_capture_on_commit_callbacks(execute=True):
        application = application_decide(
            actor=officer,
            application=verified(),
            approve=True,
            decided_on=dt.date(2025, 5, 6),
        )
    child = application.child
    enrolment = Enrolment.objects.get(child=child)
    assert (enrolment.category, enrolment.source) == ("de_facto_unattended", "recognition")
    assert enrolment.starts_month == dt.date(2025, 6, 1)
    PayeeAccountFactory(child=child)
    may = generate_cycle(actor=officer, county_code="511502", month=dt.date(2025, 5, 1))
    assert paid(may, child) == []
    june = generate_cycle(actor=officer, county_code="511502", month=dt.date(2025, 6, 1))
    assert paid(june, child) == [("de_facto_unattended", dt.date(2025, 6, 1), Decimal("1651.00"))]


def test_scenario_4_a_dibao_child_receiving_400_is_paid_the_difference_1251() -> None:
    child = ChildFactory()
    EnrolmentFactory(child=child, category="de_facto_unattended", confirmed_on=dt.date(2025, 4, 2))
    PayeeAccountFactory(child=child)
    Receiving.objects.create(child=child, programme="dibao", monthly_amount=Decimal("400"))
    june = generate_cycle(actor=county_officer(), county_code="511502", month=dt.date(2025, 6, 1))
    assert paid(june, child) == [("de_facto_unattended", dt.date(2025, 6, 1), Decimal("1251.00"))]


def test_the_institutional_and_scattered_orphan_standards_of_section_10() -> None:
    home = ChildFactory(living_arrangement="institution")
    relatives = ChildFactory()
    for child in (home, relatives):
        EnrolmentFactory(child=child, category="orphan", confirmed_on=dt.date(2025, 4, 2))
        PayeeAccountFactory(child=child)
    june = generate_cycle(actor=county_officer(), county_code="511502", month=dt.date(2025, 6, 1))
    assert paid(june, home) == [("orphan_institutional", dt.date(2025, 6, 1), Decimal("1851.00"))]
    assert paid(june, relatives) == [("orphan_scattered", dt.date(2025, 6, 1), Decimal("1651.00"))]
