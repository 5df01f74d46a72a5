"""A child's benefits over the API: the record (account masked), the account (never
returned in full), one-off aid and overpayments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from hehu.accounts.models import User
from hehu.benefits.models import AidGrant, Overpayment, PayeeAccount
from hehu.benefits.months import month_of
from hehu.benefits.tests.bank_factories import officer_elsewhere
from hehu.benefits.tests.factories import (
    EnrolmentFactory,
    PayeeAccountFactory,
    PaymentCycleFactory,
    make_transfer,
)
from hehu.registry.models import Child, Receiving
from hehu.registry.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db
DIGITS = "6217000012345678901"


def _api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _enrolled() -> Child:
    child = ChildFactory()
    EnrolmentFactory(child=child)
    PayeeAccountFactory(child=child, number=DIGITS)
    return child


def _account(**more: Any) -> dict[str, Any]:
    return {
        "holder_kind": "guardian",
        "holder_name": "王大山",
        "bank_name": "宜宾农商银行",
        "account_number": "6228 4800 0000 0000 777",
        **more,
    }


def test_a_village_director_reads_the_childs_benefits_masked(village_director) -> None:
    child = _enrolled()
    Receiving.objects.create(child=child, programme="dibao", monthly_amount=Decimal("400"))
    cycle = PaymentCycleFactory(month=dt.date(2026, 3, 1))
    transfer = make_transfer(cycle)
    transfer.child = child
    transfer.save()

    response = _api(village_director).get(f"/api/v1/children/{child.pk}/benefits/")

    assert response.status_code == 200
    body = response.json()
    month = body["this_month"]
    assert month["month"] == month_of(timezone.localdate()).isoformat()
    assert month["total"] == "1251.00"  # scenario 4: 1,651 − 400
    assert month["paid"][0]["reasons"][0]["zh-hans"]
    assert month["paid"][0]["reasons"][0]["en"]
    assert body["account"]["account_masked"] == "**** **** **** 8901"
    assert [t["month"] for t in body["transfers"]] == ["2026-03-01"]
    text = response.content.decode()
    assert DIGITS not in text
    assert transfer.account.account_last4 in text
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("who", ["director_elsewhere", "police_officer"])
def test_a_child_the_caller_may_not_see_answers_404(request, who) -> None:
    child = _enrolled()
    response = _api(request.getfixturevalue(who)).get(f"/api/v1/children/{child.pk}/benefits/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_county_records_an_account_and_gets_it_back_masked(county_officer) -> None:
    child = ChildFactory()

    response = _api(county_officer).put(
        f"/api/v1/children/{child.pk}/benefits/account/", _account(), format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["account_masked"] == "**** **** **** 0777"
    assert "account_number" not in response.json()
    assert "62284800000000000777" not in response.content.decode()
    assert PayeeAccount.objects.get(child=child).version == 1


def test_replacing_an_account_needs_the_version_read(county_officer) -> None:
    child = _enrolled()
    path = f"/api/v1/children/{child.pk}/benefits/account/"

    stale = _api(county_officer).put(path, _account(version=None), format="json")
    assert stale.status_code == 409
    assert stale.json()["code"] == "concurrent_edit"
    assert DIGITS not in stale.content.decode()
    assert PayeeAccount.objects.filter(child=child).count() == 1

    done = _api(county_officer).put(path, _account(version=1), format="json")
    assert done.status_code == 200
    assert done.json()["version"] > 1
    assert PayeeAccount.objects.get(child=child, active=True).account_last4 == "0777"


def test_a_refused_account_never_echoes_the_number(county_officer, village_director) -> None:
    child = ChildFactory()
    path = f"/api/v1/children/{child.pk}/benefits/account/"
    response = _api(county_officer).put(path, _account(holder_name=""), format="json")
    assert response.status_code == 400
    assert "holder_name" in response.json()["errors"]
    assert "0777" not in response.content.decode()
    assert _api(village_director).put(path, _account(), format="json").status_code == 403
    assert not PayeeAccount.objects.filter(child=child).exists()


def test_the_county_grants_and_cancels_aid(county_officer) -> None:
    child = ChildFactory()
    today = timezone.localdate()

    refused = _api(county_officer).post(
        f"/api/v1/children/{child.pk}/benefits/aid-grants/",
        {"programme": "x", "amount": "0", "reason": "短", "decided_on": today.isoformat()},
        format="json",
    )
    assert refused.status_code == 400
    assert set(refused.json()["errors"]) == {"programme", "amount", "reason"}

    granted = _api(county_officer).post(
        f"/api/v1/children/{child.pk}/benefits/aid-grants/",
        {
            "programme": "medical_aid",
            "amount": "1200.50",
            "reason": "住院自付部分困难",
            "decided_on": today.isoformat(),
            "pay_month": f"{today:%Y-%m}",
        },
        format="json",
    )
    assert granted.status_code == 201, granted.json()
    assert granted.json()["amount"] == "1200.50"
    grant_id = granted.json()["id"]

    hidden = _api(officer_elsewhere()).post(
        f"/api/v1/benefits/aid-grants/{grant_id}/cancel/", {"reason": "重复决定了"}, format="json"
    )
    assert hidden.status_code == 404
    assert not AidGrant.objects.get(pk=grant_id).cancelled

    cancelled = _api(county_officer).post(
        f"/api/v1/benefits/aid-grants/{grant_id}/cancel/", {"reason": "重复决定了"}, format="json"
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["cancelled"] is True


def _debt(**more: Any) -> Overpayment:
    return Overpayment.objects.create(
        child=ChildFactory(),
        county_code="511502",
        programme="de_facto_unattended",
        service_month=dt.date(2026, 5, 1),
        amount=Decimal("1651.00"),
        reason="死亡后仍发放了 2026-05 的待遇",
        detected_on=dt.date(2026, 6, 3),
        **more,
    )


def test_open_overpayments_are_listed_and_settled(county_officer, village_director) -> None:
    debt = _debt()

    listed = _api(county_officer).get("/api/v1/benefits/overpayments/")
    assert [d["id"] for d in listed.json()["results"]] == [debt.pk]
    assert listed.json()["results"][0]["outstanding"] == "1651.00"
    assert _api(village_director).get("/api/v1/benefits/overpayments/").status_code == 403

    path = f"/api/v1/benefits/overpayments/{debt.pk}/settle/"
    stale = _api(county_officer).post(
        path, {"outcome": "recovered", "note": "监护人已退回", "version": 0}, format="json"
    )
    assert stale.status_code == 409

    done = _api(county_officer).post(
        path, {"outcome": "recovered", "note": "监护人已退回", "version": 1}, format="json"
    )
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "recovered"
    assert done.json()["outstanding"] == "0.00"


def test_an_overpayment_of_another_county_answers_404() -> None:
    debt = _debt()
    response = _api(officer_elsewhere()).post(
        f"/api/v1/benefits/overpayments/{debt.pk}/settle/",
        {"outcome": "waived", "note": "家庭特别困难", "version": 1},
        format="json",
    )
    assert response.status_code == 404
    debt.refresh_from_db()
    assert debt.status == Overpayment.Status.OPEN
