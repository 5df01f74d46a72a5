"""The county's payment desk: rolls by month, generating a roll, children to confirm (in
bulk), enrolments to review, open overpayments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hehu.accounts.models import User
from hehu.benefits.models import Enrolment, Overpayment, PaymentCycle
from hehu.benefits.months import add_months, month_of
from hehu.benefits.selectors import candidates_to_confirm, enrolments_to_review
from hehu.benefits.tests.bank_factories import officer_elsewhere
from hehu.benefits.tests.factories import (
    EnrolmentFactory,
    PayeeAccountFactory,
    PaymentCycleFactory,
    classified_child,
)
from hehu.registry.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db
DESK = "/benefits/"


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _this_month() -> dt.date:
    return month_of(timezone.localdate())


def test_the_desk_is_for_those_who_manage_benefits(village_director, police_officer) -> None:
    assert _client(village_director).get(DESK).status_code == 403
    assert _client(police_officer).get(DESK).status_code == 403
    assert _client(village_director).post(reverse("benefits:generate"), {}).status_code == 403


def test_the_desk_shows_the_months_rolls_and_what_is_waiting(county_officer) -> None:
    cycle = PaymentCycleFactory(month=_this_month(), children=3, total_amount=Decimal("4953"))
    PaymentCycleFactory(county_code="511524", month=_this_month())  # another county's
    candidate = classified_child(["disabled_child"], name="李小禾")
    stale = classified_child(["left_behind"], name="赵小川")
    EnrolmentFactory(child=stale, category="disabled_child")
    Overpayment.objects.create(
        child=ChildFactory(name="钱小多"),
        county_code="511502",
        programme="de_facto_unattended",
        service_month=dt.date(2026, 5, 1),
        amount=Decimal("1651.00"),
        reason="死亡后仍发放",
        detected_on=dt.date(2026, 6, 3),
    )

    response = _client(county_officer).get(DESK)

    assert response.status_code == 200
    html = response.content.decode()
    assert [row["cycle"] for row in response.context["cycles"]] == [cycle]
    assert "4953" in html
    assert [row["child"] for row in response.context["candidates"]] == [candidate]
    assert f'value="{candidate.pk}:disabled_child"' in html
    assert [row["enrolment"].child for row in response.context["review"]] == [stale]
    assert "钱小多" in html
    assert reverse("benefits:overpayment_settle", args=[Overpayment.objects.get().pk]) in html


def test_the_desk_says_which_counties_have_no_roll_this_month(county_officer) -> None:
    response = _client(county_officer).get(DESK)
    assert response.context["not_generated"]
    assert 'id="hh-not-generated"' in response.content.decode()


def test_the_county_generates_the_months_roll(county_officer) -> None:
    child = ChildFactory()
    EnrolmentFactory(child=child)
    PayeeAccountFactory(child=child)
    month = _this_month()

    response = _client(county_officer).post(
        reverse("benefits:generate"), {"month": f"{month:%Y-%m}", "region": "511502"}
    )

    cycle = PaymentCycle.objects.get(county_code="511502", month=month)
    assert response.status_code == 302
    assert response["Location"] == reverse("benefits:cycle", args=[cycle.pk])
    assert cycle.children == 1
    assert cycle.generated_by == county_officer


def test_a_month_too_far_ahead_is_refused_at_its_field(county_officer) -> None:
    later = add_months(_this_month(), 3)
    response = _client(county_officer).post(
        reverse("benefits:generate"), {"month": f"{later:%Y-%m}", "region": "511502"}
    )
    assert response.status_code == 400
    assert "只能生成本月或下月" in response.context["generate"].errors["month"][0]
    assert f'value="{later:%Y-%m}"' in response.content.decode()
    assert not PaymentCycle.objects.exists()


def test_generating_without_a_month_says_what_to_do(county_officer) -> None:
    response = _client(county_officer).post(reverse("benefits:generate"), {"region": "511502"})
    assert response.status_code == 400
    assert "请选择发放月份" in response.content.decode()


def test_a_county_out_of_reach_cannot_be_generated(county_officer) -> None:
    response = _client(county_officer).post(
        reverse("benefits:generate"), {"month": f"{_this_month():%Y-%m}", "region": "511524"}
    )
    assert response.status_code == 400
    assert "请选择要生成名册的县" in response.content.decode()
    assert not PaymentCycle.objects.exists()


def test_children_are_confirmed_in_bulk_and_a_refusal_names_the_child(county_officer) -> None:
    first = classified_child(["disabled_child"], name="李小禾")
    second = classified_child(["disabled_child"], name="王小树")
    orphan = classified_child(["orphan"], name="周小云")
    today = timezone.localdate()

    response = _client(county_officer).post(
        reverse("benefits:confirm"),
        {
            "picks": [
                f"{first.pk}:disabled_child",
                f"{second.pk}:disabled_child",
                f"{orphan.pk}:orphan",
            ],
            "confirmed_on": today.isoformat(),
        },
    )

    # The two disabled children are confirmed; the orphan needs the earlier decision named.
    assert response.status_code == 400
    assert set(Enrolment.objects.values_list("child__name", flat=True)) == {"李小禾", "王小树"}
    html = response.content.decode()
    assert "周小云" in html
    assert "原认定文号" in html
    assert f'value="{orphan.pk}:orphan" id="pick-{orphan.pk}-orphan" checked' in html
    assert "已确认 2 项待遇资格" in html


def test_confirming_needs_a_pick_and_a_date(county_officer) -> None:
    classified_child(["disabled_child"])
    response = _client(county_officer).post(reverse("benefits:confirm"), {})
    assert response.status_code == 400
    errors = response.context["confirm"].errors
    assert "请勾选" in errors["picks"][0]
    assert "请填写确认日期" in errors["confirmed_on"][0]
    assert 'href="#hh-picks"' in response.content.decode()
    assert not Enrolment.objects.exists()


def test_a_child_out_of_reach_is_not_confirmed_in_bulk(county_officer) -> None:
    child = classified_child(["disabled_child"])
    response = _client(officer_elsewhere()).post(
        reverse("benefits:confirm"),
        {"picks": [f"{child.pk}:disabled_child"], "confirmed_on": "2026-03-05"},
    )
    assert response.status_code == 400
    assert "不在您的管辖范围内" in response.content.decode()
    assert not Enrolment.objects.exists()


# -- the selectors behind it ------------------------------------------------------------------
def test_candidates_are_counted_in_the_database_without_loading_rows(county_officer) -> None:
    for n in range(3):
        classified_child(["disabled_child"], name=f"候选{n}")
    confirmed = classified_child(["disabled_child"])
    EnrolmentFactory(child=confirmed, category="disabled_child")
    classified_child(["left_behind"])  # no monthly benefit

    queryset = candidates_to_confirm(user=county_officer)
    with CaptureQueriesContext(connection) as queries:
        assert queryset.count() == 3
    assert len(queries) == 1
    assert "COUNT" in queries[0]["sql"].upper()
    assert candidates_to_confirm(user=officer_elsewhere()).count() == 0


def test_a_child_with_two_categories_stays_a_candidate_until_both_are_confirmed(
    county_officer,
) -> None:
    child = classified_child(["orphan", "disabled_child"])
    EnrolmentFactory(child=child, category="orphan")
    assert list(candidates_to_confirm(user=county_officer)) == [child]


def test_enrolments_to_review_are_those_the_child_no_longer_holds(county_officer) -> None:
    holds = classified_child(["disabled_child"])
    EnrolmentFactory(child=holds, category="disabled_child")
    lost = classified_child(["left_behind"])
    stale = EnrolmentFactory(child=lost, category="disabled_child")
    stopped = classified_child(["left_behind"])
    EnrolmentFactory(child=stopped, category="disabled_child", stops_month=dt.date(2026, 1, 1))

    assert list(enrolments_to_review(user=county_officer)) == [stale]
    assert list(enrolments_to_review(user=officer_elsewhere())) == []


def test_a_generated_roll_is_checked_at_once(county_officer) -> None:
    child = ChildFactory()
    EnrolmentFactory(child=child)
    PayeeAccountFactory(child=child)
    month = _this_month()
    _client(county_officer).post(
        reverse("benefits:generate"), {"month": f"{month:%Y-%m}", "region": "511502"}
    )
    cycle = PaymentCycle.objects.get(county_code="511502", month=month)
    # Nobody has visited the child: the roll's check found it.
    assert list(cycle.anomalies.values_list("kind", flat=True)) == ["no_verification_visit"]


def test_a_city_officer_generates_every_countys_roll_in_the_background() -> None:
    from hehu.accounts.models import Role
    from hehu.accounts.tests.factories import make_user
    from hehu.regions.tests.factories import region

    officer = make_user(Role.COUNTY_CIVIL_AFFAIRS, "5115", username="city_officer")
    for village in ("511502001001", "511524100201"):
        child = ChildFactory(region=region(village))
        EnrolmentFactory(child=child, county_code=village[:6])
        PayeeAccountFactory(child=child)
    month = _this_month()

    response = _client(officer).post(
        reverse("benefits:generate"), {"month": f"{month:%Y-%m}", "region": "5115"}
    )

    assert response.status_code == 302
    # Tasks run eagerly in the tests: both counties' rolls are there, checked.
    cycles = PaymentCycle.objects.filter(month=month).order_by("county_code")
    assert [c.county_code for c in cycles] == ["511502", "511524"]
    assert all(c.anomalies.exists() for c in cycles)
