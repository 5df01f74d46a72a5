"""The clocks of a recognition application over the statutory working-day calendar
(policies/calendar/cn-workdays.yaml), counted by hand in each test."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from hehu.accounts.models import Role
from hehu.accounts.tests.factories import make_user
from hehu.cases.models import RecognitionApplication, WorkItem
from hehu.cases.services.recognition import (
    application_decide,
    application_forward,
    application_notify,
    application_receive,
    application_verify,
)
from hehu.cases.tests.factories import VILLAGE, county_officer, make_child, supervisor

pytestmark = pytest.mark.django_db

D = dt.date
HEBEI_TOWNSHIP = "130111200"  # a township in another province (跨省通办)


def receive(child, accepted_on: dt.date, **kw):
    return application_receive(
        actor=kw.pop("actor", None) or supervisor(),
        child=child,
        kind=RecognitionApplication.Kind.DE_FACTO_UNATTENDED,
        applicant_name="王奶奶",
        applicant_relation="祖母",
        applied_on=accepted_on,
        accepted_on=accepted_on,
        **kw,
    )


def open_item(application: RecognitionApplication) -> WorkItem:
    return WorkItem.objects.get(application=application, status="open")


@time_machine.travel(dt.datetime(2025, 6, 30, 9, tzinfo=dt.UTC), tick=False)
def test_it_sets_scenario_1_township_and_county_due_dates_by_the_2025_calendar() -> None:
    # DOMAIN.md §10 scenario 1: applied and accepted on Tuesday 2025-04-01.
    # Township, 15 working days counted from 2 April: 2, 3 (4–6 Qingming off), 7–11,
    # 14–18, 21, 22, 23 April → Wednesday 2025-04-23.
    application = receive(make_child(), D(2025, 4, 1))
    item = open_item(application)
    assert (item.kind, item.due_on, item.provisional) == (
        "recognition_verify",
        D(2025, 4, 23),
        False,
    )
    assert "15 个工作日" in item.rule["zh"]
    # The township concludes on its due date. County, 15 working days from 24 April: 24, 25,
    # 27 (Sunday, a make-up working day), 28, 29, 30 (1–5 May Labour Day off), 6–9, 12–16
    # May → Friday 2025-05-16.
    application = application_verify(
        actor=supervisor(),
        application=application,
        opinion="confirmed",
        note="",
        concluded_on=D(2025, 4, 23),
    )
    item = open_item(application)
    assert (item.kind, item.due_on, item.provisional) == (
        "recognition_decide",
        D(2025, 5, 16),
        False,
    )


@time_machine.travel(dt.datetime(2026, 9, 21, 9, tzinfo=dt.UTC), tick=False)
def test_it_skips_national_day_2026_and_counts_its_make_up_saturday() -> None:
    # Accepted Monday 2026-09-21: 22, 23, 24 (25–27 Mid-Autumn off), 28, 29, 30 (1–7 Oct
    # National Day off), 8, 9, 10 (Saturday, make-up), 12–16, 19 Oct → 2026-10-19.
    application = receive(make_child(), D(2026, 9, 21))
    assert open_item(application).due_on == D(2026, 10, 19)
    assert not open_item(application).provisional


@time_machine.travel(dt.datetime(2026, 12, 21, 9, tzinfo=dt.UTC), tick=False)
def test_a_deadline_running_into_2027_is_provisional() -> None:
    # 2027 is not in the calendar yet: weekdays only, and the item says so.
    application = receive(make_child(), D(2026, 12, 21))
    item = open_item(application)
    assert item.provisional is True
    assert item.due_on == D(2027, 1, 11)


@time_machine.travel(dt.datetime(2025, 6, 30, 9, tzinfo=dt.UTC), tick=False)
def test_the_cross_province_chain_runs_3_15_15_3_working_days() -> None:
    child = make_child()
    hebei = make_user(Role.TOWNSHIP_SUPERVISOR, HEBEI_TOWNSHIP)
    application = receive(child, D(2025, 4, 1), actor=hebei, cross_province=True)
    assert application.status == "received"
    assert application.receiving_township_code == "130111200000"
    assert application.hukou_township_code == "511502001000"
    # Forward within 3: 2, 3, 7 April (4–6 Qingming) → 2025-04-07, at the receiving township.
    item = open_item(application)
    assert (item.kind, item.due_on, item.region_code) == (
        "recognition_forward",
        D(2025, 4, 7),
        "130111200000",
    )
    application = application_forward(
        actor=hebei, application=application, forwarded_on=D(2025, 4, 3)
    )
    # Opinion within 15 of 3 April: 7–11, 14–18, 21–25 April → 2025-04-25, at the hukou township.
    item = open_item(application)
    assert (item.kind, item.due_on, item.region_code) == (
        "recognition_verify",
        D(2025, 4, 25),
        "511502001000",
    )
    application = application_verify(
        actor=supervisor(),
        application=application,
        opinion="confirmed",
        note="",
        concluded_on=D(2025, 4, 25),
    )
    # County within 15 of 25 April: 27 (make-up Sunday), 28, 29, 30, 6–9, 12–16, 19, 20 May.
    item = open_item(application)
    assert (item.kind, item.due_on, item.level, item.region_code) == (
        "recognition_decide",
        D(2025, 5, 20),
        "county",
        "511502000000",
    )
    application = application_decide(
        actor=county_officer(), application=application, approve=True, decided_on=D(2025, 5, 20)
    )
    # Tell the applicant within 3 of 20 May: 21, 22, 23 May → 2025-05-23, receiving township.
    item = open_item(application)
    assert (item.kind, item.due_on, item.region_code) == (
        "recognition_notify",
        D(2025, 5, 23),
        "130111200000",
    )
    application = application_notify(
        actor=hebei, application=application, notified_on=D(2025, 5, 22)
    )
    assert not WorkItem.objects.filter(application=application, status="open").exists()
    assert application.applicant_notified_on == D(2025, 5, 22)
    assert WorkItem.objects.filter(application=application, status="done").count() == 4
    assert VILLAGE.startswith(application.hukou_township_code[:9])
