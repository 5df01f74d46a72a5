"""A child's benefits page and the forms that change them, with the test client."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hehu.accounts.models import User
from hehu.audit.models import AuditEntry, Verb
from hehu.benefits.models import AidGrant, Enrolment, Overpayment, PayeeAccount, StopReason
from hehu.benefits.months import month_of
from hehu.benefits.tests.bank_factories import officer_elsewhere
from hehu.benefits.tests.factories import EnrolmentFactory, PayeeAccountFactory, classified_child
from hehu.regions.tests.factories import region
from hehu.registry.models import Child, Receiving
from hehu.registry.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

NUMBER = "6217 0000 1234 5678 901"
DIGITS = NUMBER.replace(" ", "")


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page(child: Child, name: str = "child_benefits") -> str:
    return reverse(f"benefits:{name}", args=[child.pk])


def _enrolled(**child_fields: object) -> Child:
    child = ChildFactory(**child_fields)
    EnrolmentFactory(child=child)
    PayeeAccountFactory(child=child, number=DIGITS)
    return child


# -- the page ---------------------------------------------------------------------------------
def test_a_village_director_sees_this_months_amount_with_its_reason_read_only(
    village_director,
) -> None:
    child = _enrolled()
    Receiving.objects.create(child=child, programme="dibao", monthly_amount=Decimal("400"))

    response = _client(village_director).get(_page(child))

    assert response.status_code == 200
    html = response.content.decode()
    # Scenario 4: 1,651 − 400 = 1,251, with the reasons in Chinese.
    assert "1251.00" in html
    assert "事实无人抚养儿童基本生活补贴" in html
    assert response.context["this_month"]["paid"][0]["reasons"]
    assert "这里只能查看" in html
    assert reverse("benefits:enrol", args=[child.pk]) not in html
    assert reverse("benefits:account", args=[child.pk]) not in html
    assert response["Cache-Control"] == "private, no-store"


def test_the_reasons_follow_the_users_language(village_director) -> None:
    child = _enrolled()
    client = _client(village_director)
    client.cookies["django_language"] = "en"

    response = client.get(_page(child), HTTP_ACCEPT_LANGUAGE="en")

    reasons = response.context["this_month"]["paid"][0]["reasons"]
    assert reasons
    assert all(not any("\u4e00" <= ch <= "\u9fff" for ch in r) for r in reasons)


def test_the_account_is_shown_masked_and_never_in_full(county_officer, village_director) -> None:
    child = _enrolled()
    for user in (county_officer, village_director):
        html = _client(user).get(_page(child)).content.decode()
        assert DIGITS not in html
        assert "**** **** **** 8901" in html
    form = _client(county_officer).get(_page(child, "account")).content.decode()
    assert DIGITS not in form
    assert "**** **** **** 8901" in form


@pytest.mark.parametrize("who", ["director_elsewhere", "police_officer"])
def test_a_child_the_user_may_not_see_answers_404(request, who) -> None:
    child = _enrolled()
    user = request.getfixturevalue(who)
    assert _client(user).get(_page(child)).status_code == 404
    assert _client(user).get(_page(child, "enrol")).status_code == 404


def test_the_paying_county_still_sees_a_child_who_moved_away(county_officer) -> None:
    child = _enrolled(region=region("511524100201"), hukou_region=region("511524100201"))
    response = _client(county_officer).get(_page(child))
    assert response.status_code == 200


@pytest.mark.parametrize("name", ["enrol", "change", "account", "aid"])
def test_a_director_may_not_open_the_forms(village_director, name) -> None:
    child = _enrolled()
    assert _client(village_director).get(_page(child, name)).status_code == 403
    assert _client(village_director).post(_page(child, name), {}).status_code == 403
    assert Enrolment.objects.filter(child=child).count() == 1


# -- enrol, change, cancel a stop -------------------------------------------------------------
def test_the_county_confirms_an_enrolment(county_officer) -> None:
    child = classified_child(["disabled_child"])
    page = _client(county_officer).get(_page(child, "enrol"))
    assert page.status_code == 200
    assert "残疾" in page.content.decode()

    response = _client(county_officer).post(
        _page(child, "enrol"),
        {"category": "disabled_child", "confirmed_on": timezone.localdate().isoformat()},
    )

    assert response.status_code == 302
    assert response["Location"] == _page(child)
    enrolment = Enrolment.objects.get(child=child)
    assert enrolment.starts_month > month_of(timezone.localdate())


def test_a_refused_enrolment_is_shown_at_its_field_with_the_answers_kept(county_officer) -> None:
    child = classified_child(["left_behind"])

    response = _client(county_officer).post(
        _page(child, "enrol"),
        {"category": "disabled_child", "confirmed_on": "2999-01-01", "note": "请核对原文号"},
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert "不属于此类别" in form.errors["category"][0]
    assert "不能晚于今天" in form.errors["confirmed_on"][0]
    html = response.content.decode()
    assert "请核对原文号" in html
    assert 'href="#id_category_0"' in html
    assert not Enrolment.objects.filter(child=child).exists()


def test_a_change_stops_payment_from_the_month_after(county_officer) -> None:
    child = _enrolled()
    today = timezone.localdate()

    response = _client(county_officer).post(
        _page(child, "change"), {"reason": StopReason.DIED, "changed_on": today.isoformat()}
    )

    assert response.status_code == 302
    enrolment = Enrolment.objects.get(child=child)
    assert enrolment.stops_month is not None
    assert enrolment.stops_month > today
    assert enrolment.stop_reason == StopReason.DIED


def test_a_change_needs_the_date_it_happened(county_officer) -> None:
    child = _enrolled()
    response = _client(county_officer).post(
        _page(child, "change"), {"reason": StopReason.ADOPTED, "note": "已办理收养登记"}
    )
    assert response.status_code == 400
    assert "变更发生日期" in response.context["form"].errors["changed_on"][0]
    assert "已办理收养登记" in response.content.decode()
    assert Enrolment.objects.get(child=child).stops_month is None


def test_cancelling_a_stop_with_a_stale_version_is_refused_and_nothing_lost(
    county_officer,
) -> None:
    child = _enrolled()
    enrolment = Enrolment.objects.get(child=child)
    enrolment.stops_month = dt.date(2026, 1, 1)
    enrolment.stop_reason = StopReason.OTHER
    enrolment.version = 3
    enrolment.save()
    url = reverse("benefits:cancel_stop", args=[enrolment.pk])

    stale = _client(county_officer).post(url, {"version": "2", "note": "登记错误，儿童仍在本县"})

    assert stale.status_code == 409
    assert "已被其他人修改" in stale.content.decode()
    assert "登记错误，儿童仍在本县" in stale.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.stops_month == dt.date(2026, 1, 1)

    done = _client(county_officer).post(url, {"version": "3", "note": "登记错误，儿童仍在本县"})
    assert done.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.stops_month is None


def test_cancelling_a_stop_of_another_county_answers_404() -> None:
    child = _enrolled()
    enrolment = Enrolment.objects.get(child=child)
    enrolment.stops_month = dt.date(2026, 1, 1)
    enrolment.save()
    url = reverse("benefits:cancel_stop", args=[enrolment.pk])
    response = _client(officer_elsewhere()).post(url, {"version": "1", "note": "登记错误了"})
    assert response.status_code == 404
    enrolment.refresh_from_db()
    assert enrolment.stops_month == dt.date(2026, 1, 1)


# -- the account ------------------------------------------------------------------------------
def _account_post(**more: str) -> dict[str, str]:
    return {
        "holder_kind": PayeeAccount.Holder.GUARDIAN,
        "holder_name": "王大山",
        "bank_name": "宜宾农商银行",
        "account_number": NUMBER,
        **more,
    }


def test_the_county_records_an_account_and_the_page_shows_it_masked(county_officer) -> None:
    child = ChildFactory()

    response = _client(county_officer).post(_page(child, "account"), _account_post(), follow=True)

    assert response.status_code == 200
    account = PayeeAccount.objects.get(child=child, active=True)
    assert account.account_last4 == "8901"
    html = response.content.decode()
    assert DIGITS not in html
    assert "**** **** **** 8901" in html
    entry = AuditEntry.objects.get(verb=Verb.ACCOUNT_SAVED, child_id=child.pk)
    assert DIGITS not in str(entry.changes)


def test_an_account_refused_keeps_the_answers_but_never_echoes_the_number(county_officer) -> None:
    child = ChildFactory()

    response = _client(county_officer).post(_page(child, "account"), _account_post(holder_name=""))

    assert response.status_code == 400
    html = response.content.decode()
    assert "请填写户名" in html
    assert "宜宾农商银行" in html
    assert DIGITS not in html
    assert NUMBER not in html
    assert not PayeeAccount.objects.filter(child=child).exists()


def test_an_account_changed_meanwhile_is_refused_with_the_latest_shown(county_officer) -> None:
    child = _enrolled()
    seen = PayeeAccount.objects.get(child=child).version
    PayeeAccount.objects.filter(child=child).update(version=seen + 1)

    response = _client(county_officer).post(
        _page(child, "account"),
        _account_post(account_number="6228 4800 0000 0000 777", version=str(seen)),
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert "已被其他人修改" in html
    assert "**** **** **** 8901" in html
    assert "62284800000000000777" not in html
    assert PayeeAccount.objects.filter(child=child).count() == 1


# -- aid and overpayments ---------------------------------------------------------------------
def test_the_county_grants_and_cancels_one_off_aid(county_officer) -> None:
    child = ChildFactory()
    today = timezone.localdate()

    refused = _client(county_officer).post(
        _page(child, "aid"),
        {"programme": "education_aid", "amount": "-5", "reason": "开学学费困难", "decided_on": ""},
    )
    assert refused.status_code == 400
    errors = refused.context["form"].errors
    assert "金额应大于 0" in errors["amount"][0]
    assert "决定日期" in errors["decided_on"][0]
    assert "开学学费困难" in refused.content.decode()

    granted = _client(county_officer).post(
        _page(child, "aid"),
        {
            "programme": "education_aid",
            "amount": "800",
            "reason": "开学学费困难",
            "decided_on": today.isoformat(),
        },
    )
    assert granted.status_code == 302
    grant = AidGrant.objects.get(child=child)
    assert grant.amount == Decimal("800")
    assert grant.pay_month == month_of(today)

    cancel = reverse("benefits:aid_cancel", args=[grant.pk])
    assert _client(county_officer).post(cancel, {"reason": "短"}).status_code == 400
    assert _client(county_officer).post(cancel, {"reason": "已由教育部门资助"}).status_code == 302
    grant.refresh_from_db()
    assert grant.cancelled


def _debt(child: Child, **more: object) -> Overpayment:
    return Overpayment.objects.create(
        child=child,
        county_code="511502",
        programme="de_facto_unattended",
        service_month=dt.date(2026, 5, 1),
        amount=Decimal("1651.00"),
        reason="死亡后仍发放了 2026-05 的待遇",
        detected_on=dt.date(2026, 6, 3),
        **more,
    )


def test_an_overpayment_is_waived_with_a_note(county_officer) -> None:
    child = ChildFactory()
    debt = _debt(child)
    url = reverse("benefits:overpayment_settle", args=[debt.pk])
    assert "1651.00" in _client(county_officer).get(url).content.decode()

    response = _client(county_officer).post(
        url, {"outcome": "waived", "note": "家庭特别困难，经局务会研究核销", "version": "1"}
    )

    assert response.status_code == 302
    debt.refresh_from_db()
    assert debt.status == Overpayment.Status.WAIVED


def test_an_overpayment_settled_meanwhile_is_refused(county_officer) -> None:
    debt = _debt(ChildFactory(), version=2)
    url = reverse("benefits:overpayment_settle", args=[debt.pk])
    response = _client(county_officer).post(
        url, {"outcome": "recovered", "note": "监护人已退回", "version": "1"}
    )
    assert response.status_code == 409
    assert "监护人已退回" in response.content.decode()
    debt.refresh_from_db()
    assert debt.status == Overpayment.Status.OPEN


def test_an_overpayment_of_another_county_answers_404_and_stays_open() -> None:
    debt = _debt(ChildFactory())
    url = reverse("benefits:overpayment_settle", args=[debt.pk])
    response = _client(officer_elsewhere()).post(
        url, {"outcome": "waived", "note": "家庭特别困难，核销", "version": "1"}
    )
    assert response.status_code == 404
    debt.refresh_from_db()
    assert debt.status == Overpayment.Status.OPEN
