"""Compulsory reports over the API: filing with and without an account, the queue, one
report, the steps taken on it, and who may call what (DOMAIN.md §8)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hehu.accounts.models import Department, Role
from hehu.accounts.tests.factories import make_user
from hehu.audit.models import AuditEntry, Verb
from hehu.cases.tests.factories import (
    OTHER_COUNTY_VILLAGE,
    VILLAGE,
    county_officer,
    director,
    make_child,
)
from hehu.protection.models import Report, ReportRoute, Situation
from hehu.regions.tests.factories import region

pytestmark = pytest.mark.django_db

TEACHER = "李秀英老师"
UNIT = "翠屏区第一小学"
PHONE = "13800001234"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # The public endpoint's throttle counts in the cache: each test starts from nothing.
    cache.clear()


def police(village: str = VILLAGE) -> Any:
    return make_user(Role.DEPARTMENT_OFFICER, village[:6], department=Department.PUBLIC_SECURITY)


def education(village: str = VILLAGE) -> Any:
    return make_user(Role.DEPARTMENT_OFFICER, village[:6], department=Department.EDUCATION)


def body(**changes: Any) -> dict[str, Any]:
    """A teacher's report about a 9-year-old girl with genital injuries (scenario 5)."""
    region(VILLAGE)
    data: dict[str, Any] = {
        "reporter_kind": "school",
        "reporter_name": TEACHER,
        "reporter_unit": UNIT,
        "reporter_phone": PHONE,
        "child_description": "三年级二班王小花",
        "child_sex": "female",
        "child_age": 9,
        "region_code": VILLAGE,
        "observed_on": timezone.localdate().isoformat(),
        "situations": [Situation.GENITAL_INJURY],
        "account": "体检时发现孩子隐私部位有多处淤伤。",
    }
    data.update(changes)
    return data


def post(client: Client, url: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def filed(client: Client, capture: Any, **changes: Any) -> Report:
    with capture(execute=True):
        response = post(client, "/api/v1/public/reports/", body(**changes))
    assert response.status_code == 201, response.json()
    return Report.objects.get(received_at=response.json()["received_at"])


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assert_no_reporter(text: str) -> None:
    assert TEACHER not in text
    assert UNIT not in text
    assert PHONE not in text


# -- filing ------------------------------------------------------------------------------------
def test_anyone_files_a_report_and_gets_its_reference_and_timestamp(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, "/api/v1/public/reports/", body(client_token="tok-1"))
    assert response.status_code == 201
    answer = response.json()
    report = Report.objects.get()
    assert answer["number"] == report.number
    assert dt.datetime.fromisoformat(answer["received_at"]) == report.received_at
    assert "3 日内" in answer["next_steps"]
    assert "id" not in answer
    assert_no_reporter(response.content.decode())
    assert report.routed_at is not None
    # A retried submit returns the same report.
    again = post(client, "/api/v1/public/reports/", body(client_token="tok-1"))
    assert again.status_code == 200
    assert again.json()["number"] == report.number
    assert Report.objects.count() == 1


def test_every_problem_of_a_report_is_named_at_once(client: Client) -> None:
    response = post(
        client,
        "/api/v1/public/reports/",
        body(
            child_age=15,
            situations=[Situation.UNDER_14_SEXUAL],
            region_code="511502001999",
            anonymous=True,
        ),
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "儿童已满十四周岁（15 岁）" in errors["situations"][0]
    assert "511502001999" in errors["region_code"][0]
    assert "强制报告单位不能匿名" in errors["anonymous"][0]
    assert Report.objects.count() == 0


def test_a_report_without_a_situation_is_refused(client: Client) -> None:
    response = post(client, "/api/v1/public/reports/", body(situations=[]))
    assert response.status_code == 400
    assert response.json()["errors"]["situations"] == ["请至少选择一种发现的情形"]


def test_the_public_endpoint_takes_at_most_ten_reports_an_hour_from_one_address(
    client: Client,
) -> None:
    for n in range(10):
        # A header of the caller's own choosing does not make another address.
        response = client.post(
            "/api/v1/public/reports/",
            json.dumps(body(client_token=f"t{n}")),
            content_type="application/json",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
        )
        assert response.status_code == 201
    refused = post(client, "/api/v1/public/reports/", body(client_token="t10"))
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert "110" in refused.json()["message"]
    assert Report.objects.count() == 10


def test_a_village_director_files_as_themselves_naming_a_registered_child(
    django_capture_on_commit_callbacks: Any,
) -> None:
    me = director()
    child = make_child(name="张小军", sex="male")
    client = signed_in(me)
    data = body(
        reporter_kind="village_committee",
        reporter_unit="示范社区居委会",
        child_id=child.pk,
        child_description="",
        child_sex="",
        child_age=None,
        situations=[Situation.ABANDONED],
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, "/api/v1/reports/", data)
    assert response.status_code == 201
    report = Report.objects.get(pk=response.json()["id"])
    assert report.filed_by == me
    assert report.child == child


def test_a_role_that_does_not_file_reports_is_sent_to_the_public_endpoint() -> None:
    analyst = make_user(Role.CITY_ANALYST, VILLAGE[:4])
    response = post(signed_in(analyst), "/api/v1/reports/", body())
    assert response.status_code == 403
    assert "/api/v1/public/reports/" in response.json()["message"]
    assert Report.objects.count() == 0


# -- the queue and one report --------------------------------------------------------------------
def test_the_police_of_the_county_see_the_report_with_its_feedback_deadline(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    report = filed(client, django_capture_on_commit_callbacks)
    response = signed_in(police()).get("/api/v1/reports/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["number"] for r in rows] == [report.number]
    row = rows[0]
    assert row["registered_child"] is False
    assert row["situations"] == ["genital_injury"]
    assert row["county_code"] == "511502000000"
    due = dt.datetime.fromisoformat(row["my_route"]["feedback_due_at"])
    assert due == report.received_at + dt.timedelta(hours=72)
    assert row["my_route"]["department"] == "public_security"
    assert_no_reporter(response.content.decode())
    assert "王小花" not in response.content.decode()  # the list names no child
    todo = signed_in(police()).get("/api/v1/reports/?show=todo").json()["results"]
    assert [r["number"] for r in todo] == [report.number]


def test_police_of_another_county_neither_list_nor_open_the_report(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    report = filed(client, django_capture_on_commit_callbacks)
    other = signed_in(police(OTHER_COUNTY_VILLAGE))
    assert other.get("/api/v1/reports/").json()["results"] == []
    assert other.get(f"/api/v1/reports/{report.pk}/").status_code == 404
    assert post(other, f"/api/v1/reports/{report.pk}/accept/").status_code == 404
    assert not ReportRoute.objects.filter(accepted_at__isnull=False).exists()


def test_education_sees_only_school_matters(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    school = filed(client, django_capture_on_commit_callbacks)
    hospital = filed(
        client, django_capture_on_commit_callbacks, reporter_kind="hospital", reporter_unit="医院"
    )
    officer = signed_in(education())
    numbers = [r["number"] for r in officer.get("/api/v1/reports/").json()["results"]]
    assert numbers == [school.number]
    assert officer.get(f"/api/v1/reports/{hospital.pk}/").status_code == 404


def test_a_report_is_opened_without_its_reporter_and_the_view_is_audited(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    report = filed(client, django_capture_on_commit_callbacks)
    me = police()
    response = signed_in(me).get(f"/api/v1/reports/{report.pk}/")
    assert response.status_code == 200
    answer = response.json()
    assert answer["account"] == "体检时发现孩子隐私部位有多处淤伤。"
    assert {r["department"] for r in answer["routes"]} == {
        "public_security",
        "civil_affairs",
        "education",
    }
    assert_no_reporter(response.content.decode())
    assert AuditEntry.objects.filter(
        verb=Verb.REPORT_VIEWED, actor=me, object_id=str(report.pk)
    ).exists()


def test_the_reporter_is_revealed_for_a_reason_that_is_audited(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    report = filed(client, django_capture_on_commit_callbacks)
    me = police()
    officer = signed_in(me)
    url = f"/api/v1/reports/{report.pk}/reveal-reporter/"
    refused = post(officer, url, {"reason": ""})
    assert refused.status_code == 400
    assert_no_reporter(refused.content.decode())
    shown = post(officer, url, {"reason": "向报告单位反馈"})
    assert shown.status_code == 200
    assert shown.json() == {
        "anonymous": False,
        "kind": "school",
        "name": TEACHER,
        "unit": UNIT,
        "phone": PHONE,
    }
    assert shown["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(verb=Verb.REPORTER_REVEALED)
    assert entry.actor == me
    assert entry.reason == "向报告单位反馈"
    # Education acts on the report but is never told who reported.
    denied = post(signed_in(education()), url, {"reason": "了解情况"})
    assert denied.status_code == 403
    assert_no_reporter(denied.content.decode())


def test_the_police_accept_give_feedback_and_record_a_finding(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    report = filed(client, django_capture_on_commit_callbacks)
    officer = signed_in(police())
    url = f"/api/v1/reports/{report.pk}/"
    accepted = post(officer, url + "accept/")
    assert accepted.status_code == 200
    route = next(r for r in accepted.json()["routes"] if r["department"] == "public_security")
    assert route["accepted_at"] is not None
    assert post(officer, url + "accept/").status_code == 409
    short = post(officer, url + "feedback/", {"feedback": "已处理"})
    assert short.status_code == 400
    assert "feedback" in short.json()["errors"]
    given = post(officer, url + "feedback/", {"feedback": "已立案侦查，儿童由外婆临时照料。"})
    assert given.status_code == 200
    assert_no_reporter(given.content.decode())
    found = post(officer, url + "finding/", {"finding": "substantiated"})
    assert found.status_code == 200
    assert found.json()["finding"] == "substantiated"
    assert found.json()["status"] == "closed"
    bad = post(officer, url + "finding/", {"finding": "maybe"})
    assert bad.status_code == 400


def test_civil_affairs_link_the_registered_child_of_their_county(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    report = filed(client, django_capture_on_commit_callbacks)
    child = make_child(name="王小花", sex="female")
    outside = make_child(OTHER_COUNTY_VILLAGE, name="界外儿童")
    officer = signed_in(county_officer())
    url = f"/api/v1/reports/{report.pk}/link-child/"
    refused = post(officer, url, {"child_id": outside.pk})
    assert refused.status_code == 400
    assert "界外儿童" not in refused.content.decode()
    linked = post(officer, url, {"child_id": child.pk})
    assert linked.status_code == 200
    assert linked.json()["child_id"] == child.pk


# -- who may call what -------------------------------------------------------------------------
def _endpoints(report_id: int) -> list[tuple[str, str]]:
    base = f"/api/v1/reports/{report_id}/"
    return [
        ("get", "/api/v1/reports/"),
        ("post", "/api/v1/reports/"),
        ("get", base),
        ("post", base + "accept/"),
        ("post", base + "feedback/"),
        ("post", base + "finding/"),
        ("post", base + "link-child/"),
        ("post", base + "reveal-reporter/"),
    ]


def test_an_anonymous_caller_may_only_file_through_the_public_endpoint(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    report = filed(client, django_capture_on_commit_callbacks)
    anonymous = Client()
    for method, url in _endpoints(report.pk):
        response = anonymous.get(url) if method == "get" else post(anonymous, url, body())
        assert response.status_code in (401, 403), (method, url)
        assert_no_reporter(response.content.decode())
    assert anonymous.get("/api/v1/public/reports/").status_code == 405
    assert Report.objects.count() == 1
    assert not AuditEntry.objects.filter(verb=Verb.REPORT_VIEWED).exists()


@pytest.mark.parametrize(
    ("who", "queue", "detail", "accept"),
    [
        ("police", 200, 200, 200),
        ("police_elsewhere", 200, 404, 404),
        ("education", 200, 200, 200),
        ("county", 200, 200, 200),
        ("director", 403, 404, 404),
        ("analyst", 403, 404, 404),
    ],
)
def test_each_role_reaches_the_reports_it_acts_on(
    who: str,
    queue: int,
    detail: int,
    accept: int,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    report = filed(client, django_capture_on_commit_callbacks)
    user = {
        "police": police,
        "police_elsewhere": lambda: police(OTHER_COUNTY_VILLAGE),
        "education": education,
        "county": county_officer,
        "director": director,
        "analyst": lambda: make_user(Role.CITY_ANALYST, VILLAGE[:4]),
    }[who]()
    caller = signed_in(user)
    assert caller.get("/api/v1/reports/").status_code == queue
    assert caller.get(f"/api/v1/reports/{report.pk}/").status_code == detail
    assert post(caller, f"/api/v1/reports/{report.pk}/accept/").status_code == accept


def test_the_queue_costs_the_same_queries_for_two_reports_or_six(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    for n in range(2):
        filed(client, django_capture_on_commit_callbacks, client_token=f"a{n}")
    officer = signed_in(police())
    officer.get("/api/v1/reports/")
    with CaptureQueriesContext(connection) as few:
        officer.get("/api/v1/reports/")
    for n in range(4):
        filed(client, django_capture_on_commit_callbacks, client_token=f"b{n}")
    with CaptureQueriesContext(connection) as more:
        rows = officer.get("/api/v1/reports/").json()["results"]
    assert len(rows) == 6
    assert len(more.captured_queries) == len(few.captured_queries)
