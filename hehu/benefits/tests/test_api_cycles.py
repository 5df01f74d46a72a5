"""Payment cycles over /api/v1/benefits/cycles/: list, generate, detail, submit, return,
approve (never the maker), lines; refusals with their status and the refusal body."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from hehu.accounts.models import Department, Role, User
from hehu.accounts.tests.factories import make_user
from hehu.benefits.models import PaymentCycle, PaymentLine
from hehu.benefits.months import add_months, month_of
from hehu.benefits.services.accounts import save_account
from hehu.benefits.services.cycles import generate_cycle, submit_cycle
from hehu.benefits.tests.bank_factories import approved_cycle, officer_elsewhere
from hehu.benefits.tests.factories import EnrolmentFactory, PayeeAccountFactory, make_transfer
from hehu.registry.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db
ACCOUNT = "6217000012345678901"
BASE = "/api/v1/benefits/cycles/"


@pytest.fixture
def checker(db) -> User:
    return make_user(
        Role.COUNTY_CIVIL_AFFAIRS, "511502", department=Department.CIVIL_AFFAIRS, username="checker"
    )


def _api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _month() -> dt.date:
    return month_of(timezone.localdate())


def _enrolled() -> None:
    child = ChildFactory()
    EnrolmentFactory(child=child)
    PayeeAccountFactory(child=child, number=ACCOUNT)


def _roll(maker: User) -> PaymentCycle:
    _enrolled()
    return generate_cycle(actor=maker, county_code="511502", month=_month())


def _post(user: User, path: str, body: dict[str, Any]) -> Any:
    return _api(user).post(path, body, format="json")


def test_the_county_generates_the_months_roll(county_officer) -> None:
    _enrolled()

    response = _post(county_officer, f"{BASE}generate/", {"month": f"{_month():%Y-%m}"})

    assert response.status_code == 201, response.json()
    body = response.json()
    assert [c["county_code"] for c in body["cycles"]] == ["511502"]
    assert body["cycles"][0]["children"] == 1
    assert body["cycles"][0]["total_amount"] == "1651.00"
    assert body["skipped"] == {}
    assert ACCOUNT not in response.content.decode()


def test_a_month_too_far_ahead_answers_400_with_the_field(county_officer) -> None:
    later = add_months(_month(), 3)
    response = _post(county_officer, f"{BASE}generate/", {"month": f"{later:%Y-%m}"})
    assert response.status_code == 400
    assert "只能生成本月或下月" in response.json()["errors"]["month"][0]
    bad = _post(county_officer, f"{BASE}generate/", {"month": "三月"})
    assert bad.status_code == 400
    assert "month" in bad.json()["errors"]
    assert not PaymentCycle.objects.exists()


def test_generating_is_for_the_county(village_director, county_officer) -> None:
    response = _post(village_director, f"{BASE}generate/", {"month": f"{_month():%Y-%m}"})
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    body = {"month": f"{_month():%Y-%m}", "region_prefix": "511524"}
    elsewhere = _post(county_officer, f"{BASE}generate/", body)
    assert elsewhere.status_code == 403
    assert not PaymentCycle.objects.exists()


def test_the_list_has_the_callers_counties_only(county_officer, village_director) -> None:
    mine = approved_cycle(month=_month())
    approved_cycle(county_code="511524", month=_month())
    approved_cycle(month=add_months(_month(), -1))

    response = _api(county_officer).get(BASE, {"month": f"{_month():%Y-%m}"})

    assert response.status_code == 200
    assert [c["id"] for c in response.json()["results"]] == [mine.pk]
    assert _api(county_officer).get(BASE).json()["count"] == 2
    assert _api(village_director).get(BASE).status_code == 403
    assert _api(county_officer).get(BASE, {"month": "2026-13"}).status_code == 400


def test_the_detail_says_what_changed_and_what_the_caller_may_do(county_officer) -> None:
    cycle = _roll(county_officer)
    save_account(
        actor=county_officer,
        child=ChildFactory(),
        holder_kind="guardian",
        holder_name="王大山",
        bank_name="宜宾农商银行",
        account_number="6228480000000000777",
    )

    body = _api(county_officer).get(f"{BASE}{cycle.pk}/").json()

    assert body["warnings"] == ["收款账户有变更"]
    assert body["actions"]["may_submit"] is True
    assert body["actions"]["may_approve"] is False
    stale = _post(county_officer, f"{BASE}{cycle.pk}/submit/", {"version": cycle.version})
    assert stale.status_code == 400
    assert "请重新生成名册" in stale.json()["errors"]["cycle"][0]


def test_maker_submits_checker_approves_and_the_maker_may_not(county_officer, checker) -> None:
    cycle = _roll(county_officer)

    submitted = _post(county_officer, f"{BASE}{cycle.pk}/submit/", {"version": cycle.version})
    assert submitted.status_code == 200, submitted.json()
    version = submitted.json()["version"]
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["actions"]["own_roll"] is True

    own = _post(county_officer, f"{BASE}{cycle.pk}/approve/", {"version": version})
    assert own.status_code == 403
    assert "审批人不能是名册的生成人或复核人" in own.json()["message"]

    approved = _post(checker, f"{BASE}{cycle.pk}/approve/", {"version": version})
    assert approved.status_code == 200, approved.json()
    assert approved.json()["status"] == "approved"
    assert approved.json()["approved_by"] == str(checker)
    cycle.refresh_from_db()
    assert cycle.lines_digest


def test_the_checker_returns_with_a_reason(county_officer, checker) -> None:
    cycle = _roll(county_officer)
    cycle = submit_cycle(actor=county_officer, cycle=cycle, expected_version=cycle.version)

    short = _post(checker, f"{BASE}{cycle.pk}/return/", {"version": cycle.version, "reason": "否"})
    assert short.status_code == 400
    assert "reason" in short.json()["errors"]

    done = _post(
        checker, f"{BASE}{cycle.pk}/return/", {"version": cycle.version, "reason": "第3户账户有误"}
    )
    assert done.status_code == 200
    assert done.json()["status"] == "generated"
    assert done.json()["returned_reason"] == "第3户账户有误"


def test_a_stale_version_answers_409_and_nothing_changes(county_officer) -> None:
    cycle = _roll(county_officer)
    response = _post(county_officer, f"{BASE}{cycle.pk}/submit/", {"version": cycle.version - 1})
    assert response.status_code == 409
    assert response.json()["code"] == "concurrent_edit"
    cycle.refresh_from_db()
    assert cycle.status == PaymentCycle.Status.GENERATED


def test_a_cycle_of_another_county_answers_404_and_nothing_changes(county_officer) -> None:
    cycle = _roll(county_officer)
    elsewhere = officer_elsewhere()
    assert _api(elsewhere).get(f"{BASE}{cycle.pk}/").status_code == 404
    response = _post(elsewhere, f"{BASE}{cycle.pk}/submit/", {"version": cycle.version})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    cycle.refresh_from_db()
    assert cycle.status == PaymentCycle.Status.GENERATED


def test_the_lines_are_paged_and_filtered_with_their_reasons(
    county_officer, police_officer
) -> None:
    cycle = _roll(county_officer)
    back = make_transfer(cycle)
    PaymentLine.objects.filter(transfer=back).update(service_month=add_months(_month(), -1))

    everything = _api(county_officer).get(f"{BASE}{cycle.pk}/lines/").json()
    assert everything["count"] == 2
    generated = next(line for line in everything["results"] if line["reasons"])
    assert set(generated["reasons"][0]) == {"zh-hans", "en"}
    assert generated["programme_label"]["zh-hans"] == "事实无人抚养儿童基本生活补贴"

    back_pay = _api(county_officer).get(f"{BASE}{cycle.pk}/lines/", {"back_pay": "true"}).json()
    assert [line["child_id"] for line in back_pay["results"]] == [back.child_id]
    assert _api(county_officer).get(f"{BASE}{cycle.pk}/lines/", {"status": "x"}).status_code == 400
    assert _api(police_officer).get(f"{BASE}{cycle.pk}/lines/").status_code == 404


def test_an_action_the_status_does_not_allow_answers_400(county_officer, checker) -> None:
    cycle = _roll(county_officer)
    response = _post(checker, f"{BASE}{cycle.pk}/approve/", {"version": cycle.version})
    assert response.status_code == 400
    assert "只有已复核的名册可以审批" in response.json()["errors"]["cycle"][0]
    back = _post(
        checker, f"{BASE}{cycle.pk}/return/", {"version": cycle.version, "reason": "请核对全部账户"}
    )
    assert back.status_code == 400
    cycle.refresh_from_db()
    assert cycle.status == PaymentCycle.Status.GENERATED


def _queries(user: User, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert _api(user).get(path).status_code == 200
    return len(queries)


def test_the_lists_take_as_many_queries_for_many_rows_as_for_few(county_officer) -> None:
    cycle = approved_cycle(month=_month())
    make_transfer(cycle)
    _queries(county_officer, BASE)  # the caller's jurisdictions are read once, then kept
    few = {
        "cycles": _queries(county_officer, BASE),
        "lines": _queries(county_officer, f"{BASE}{cycle.pk}/lines/"),
    }
    for n in range(4):
        make_transfer(cycle)
        approved_cycle(month=add_months(_month(), -1 - n))
    many = {
        "cycles": _queries(county_officer, BASE),
        "lines": _queries(county_officer, f"{BASE}{cycle.pk}/lines/"),
    }
    assert many == few
