"""A payment cycle's page: figures, lines with their reasons, the maker/checker actions,
a stale roll, a concurrent action, and the bank controls."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hehu.accounts.models import Department, Role, User
from hehu.accounts.tests.factories import make_user
from hehu.benefits.models import PaymentCycle, PaymentLine, Transfer
from hehu.benefits.months import add_months, month_of
from hehu.benefits.services.accounts import save_account
from hehu.benefits.services.cycles import generate_cycle, submit_cycle
from hehu.benefits.tests.bank_factories import approved_cycle, officer_elsewhere, transfer_to
from hehu.benefits.tests.factories import EnrolmentFactory, PayeeAccountFactory, make_transfer
from hehu.registry.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db
ACCOUNT = "6217000012345678901"


@pytest.fixture
def checker(db) -> User:
    return make_user(
        Role.COUNTY_CIVIL_AFFAIRS,
        "511502",
        department=Department.CIVIL_AFFAIRS,
        username="checker",
    )


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _month() -> dt.date:
    return month_of(timezone.localdate())


def _roll(maker: User, *, children: int = 2, with_account: bool = True) -> PaymentCycle:
    for _n in range(children):
        child = ChildFactory()
        EnrolmentFactory(child=child)
        if with_account:
            PayeeAccountFactory(child=child, number=ACCOUNT if _n == 0 else None)
    return generate_cycle(actor=maker, county_code="511502", month=_month())


def _url(cycle: PaymentCycle, action: str = "") -> str:
    return reverse(f"benefits:cycle_{action}" if action else "benefits:cycle", args=[cycle.pk])


def test_the_cycle_page_shows_figures_lines_and_their_reasons(county_officer) -> None:
    cycle = _roll(county_officer)

    response = _client(county_officer).get(_url(cycle))

    assert response.status_code == 200
    html = response.content.decode()
    assert "3302.00" in html  # 2 × 1,651
    assert len(response.context["lines"]) == 2
    assert all(row["reasons"] for row in response.context["lines"])
    assert "<details" in html
    assert "核对无误，提交审批" in html
    assert ACCOUNT not in html
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("who", ["village_director", "township_supervisor", "police_officer"])
def test_roles_without_rolls_and_other_counties_do_not_find_the_cycle(request, who) -> None:
    cycle = PaymentCycle.objects.create(
        county_code="511502", month=_month(), generated_at=timezone.now()
    )
    user = request.getfixturevalue(who)
    elsewhere = officer_elsewhere()
    assert _client(user).get(_url(cycle)).status_code == 404
    assert _client(elsewhere).get(_url(cycle)).status_code == 404
    response = _client(elsewhere).post(_url(cycle, "submit"), {"version": "1"})
    assert response.status_code == 404
    cycle.refresh_from_db()
    assert cycle.status == PaymentCycle.Status.GENERATED


def test_the_lines_are_filtered(county_officer) -> None:
    cycle = approved_cycle(month=_month())
    make_transfer(cycle)
    held = make_transfer(cycle, status=Transfer.Status.HELD)
    held.hold_reason = "没有登记收款账户"
    held.save()
    back = make_transfer(cycle)
    PaymentLine.objects.filter(transfer=back).update(service_month=add_months(_month(), -1))

    client = _client(county_officer)
    assert len(client.get(_url(cycle), {"status": "held"}).context["lines"]) == 1
    back_pay = client.get(_url(cycle), {"back_pay": "on"}).context["lines"]
    assert [row["line"].transfer_id for row in back_pay] == [back.pk]
    assert client.get(_url(cycle), {"recovery": "on"}).context["lines"] == []
    page = client.get(_url(cycle)).content.decode()
    assert "没有登记收款账户" in page


def test_the_maker_submits_and_cannot_approve_their_own_roll(county_officer) -> None:
    cycle = _roll(county_officer)
    client = _client(county_officer)

    submitted = client.post(_url(cycle, "submit"), {"version": str(cycle.version)})
    assert submitted.status_code == 302
    cycle.refresh_from_db()
    assert cycle.status == PaymentCycle.Status.SUBMITTED

    page = client.get(_url(cycle)).content.decode()
    assert "您不能审批" in page
    assert _url(cycle, "approve") not in page

    refused = client.post(_url(cycle, "approve"), {"version": str(cycle.version)})
    assert refused.status_code == 403
    assert "审批人不能是名册的生成人或复核人" in refused.content.decode()
    cycle.refresh_from_db()
    assert cycle.status == PaymentCycle.Status.SUBMITTED


def test_a_second_officer_approves(county_officer, checker) -> None:
    cycle = _roll(county_officer)
    cycle = submit_cycle(actor=county_officer, cycle=cycle, expected_version=cycle.version)

    page = _client(checker).get(_url(cycle)).content.decode()
    assert "审批通过" in page

    response = _client(checker).post(_url(cycle, "approve"), {"version": str(cycle.version)})

    assert response.status_code == 302
    cycle.refresh_from_db()
    assert cycle.status == PaymentCycle.Status.APPROVED
    assert cycle.approved_by == checker
    after = _client(checker).get(_url(cycle)).content.decode()
    assert reverse("benefits:bank_file", args=[cycle.pk]) in after


def test_the_checker_returns_the_roll_with_a_reason(county_officer, checker) -> None:
    cycle = _roll(county_officer)
    cycle = submit_cycle(actor=county_officer, cycle=cycle, expected_version=cycle.version)
    client = _client(checker)

    short = client.post(_url(cycle, "return"), {"version": str(cycle.version), "reason": "不对"})
    assert short.status_code == 400
    assert "至少 5 个字" in short.content.decode()
    assert "不对" in short.content.decode()

    done = client.post(
        _url(cycle, "return"), {"version": str(cycle.version), "reason": "请核对第3户的账户"}
    )
    assert done.status_code == 302
    cycle.refresh_from_db()
    assert cycle.status == PaymentCycle.Status.GENERATED
    assert "请核对第3户的账户" in _client(county_officer).get(_url(cycle)).content.decode()


def test_a_roll_changed_since_generation_must_be_generated_again(county_officer) -> None:
    cycle = _roll(county_officer)
    child = ChildFactory()
    save_account(
        actor=county_officer,
        child=child,
        holder_kind="guardian",
        holder_name="王大山",
        bank_name="宜宾农商银行",
        account_number="6228480000000000777",
    )
    client = _client(county_officer)

    page = client.get(_url(cycle))
    assert page.context["warnings"] == ["收款账户有变更"]

    response = client.post(_url(cycle, "submit"), {"version": str(cycle.version)})

    assert response.status_code == 400
    assert "请重新生成名册后再复核或审批" in response.content.decode()
    cycle.refresh_from_db()
    assert cycle.status == PaymentCycle.Status.GENERATED


def test_an_action_on_a_version_already_changed_is_refused(county_officer) -> None:
    cycle = _roll(county_officer)
    stale = cycle.version
    cycle = submit_cycle(actor=county_officer, cycle=cycle, expected_version=stale)

    response = _client(county_officer).post(_url(cycle, "submit"), {"version": str(stale)})

    assert response.status_code == 409
    html = response.content.decode()
    assert "已被其他人处理" in html
    assert "已复核待审批" in html


def test_the_approved_roll_is_exported_as_a_bank_file(county_officer) -> None:
    cycle = approved_cycle(month=_month())
    transfer_to(cycle, ACCOUNT)

    page = _client(county_officer).get(_url(cycle)).content.decode()
    assert ACCOUNT not in page

    response = _client(county_officer).post(
        reverse("benefits:bank_file", args=[cycle.pk]),
        {"layout": "generic", "file_format": "csv"},
    )

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert ACCOUNT in response.content.decode("utf-8-sig")
    cycle.refresh_from_db()
    assert cycle.status == PaymentCycle.Status.EXPORTED


def test_a_refused_bank_control_is_shown_on_the_page(county_officer) -> None:
    cycle = approved_cycle(month=_month(), status=PaymentCycle.Status.EXPORTED)
    make_transfer(cycle)
    client = _client(county_officer)

    no_file = client.post(reverse("benefits:bank_results", args=[cycle.pk]), {"layout": "generic"})
    assert no_file.status_code == 400
    assert "请选择银行回盘文件" in no_file.content.decode()

    early = client.post(reverse("benefits:reconcile", args=[cycle.pk]))
    assert early.status_code == 400
    assert "没有银行回盘结果" in early.content.decode()
    cycle.refresh_from_db()
    assert cycle.status == PaymentCycle.Status.EXPORTED


def test_an_action_the_status_does_not_allow_is_refused_on_the_page(
    county_officer, checker
) -> None:
    cycle = _roll(county_officer)
    response = _client(checker).post(_url(cycle, "approve"), {"version": str(cycle.version)})
    assert response.status_code == 400
    assert "只有已复核的名册可以审批" in response.content.decode()
    cycle.refresh_from_db()
    assert cycle.status == PaymentCycle.Status.GENERATED
