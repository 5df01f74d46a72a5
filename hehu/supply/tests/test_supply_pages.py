"""The in-kind supply pages with the test client: the county stock page and its forms
(plain posts and htmx), the catalogue form, a child's record, recording and cancelling a
distribution."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hehu.accounts.models import User
from hehu.cases.tests.factories import department_officer
from hehu.supply.models import Distribution, SupplyItem
from hehu.supply.tests.factories import (
    OTHER_COUNTY_VILLAGE,
    approved_plan,
    county_officer,
    director,
    in_kind,
    make_child,
    make_distribution,
    make_item,
)

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _today() -> str:
    return timezone.localdate().isoformat()


# -- the stock page ------------------------------------------------------------------------------
def test_the_stock_page_lists_items_with_stock_value_and_low_stock() -> None:
    officer = county_officer()
    make_item(actor=officer, name="营养包", stock=40, unit_value=None)
    make_item(actor=officer, name="轮椅", kind="rehabilitation_aid", unit="件", stock=2)
    make_item(name="长宁营养包", village=OTHER_COUNTY_VILLAGE, stock=9)
    page = _client(officer).get(reverse("supply:stock"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "营养包" in body
    assert "轮椅" in body
    assert "长宁营养包" not in body
    assert "库存不足" in body  # 2 ≤ the default warning level of 5
    assert "70.00 元" in body  # 2 wheelchairs at 35.00; the nutrition packs have no price


def test_the_stock_page_is_for_county_civil_affairs_only() -> None:
    assert _client(director()).get(reverse("supply:stock")).status_code == 403


def test_receiving_on_the_stock_page_without_script_redirects_with_a_message() -> None:
    officer = county_officer()
    item = make_item(actor=officer)
    prefix = f"r{item.pk}"
    response = _client(officer).post(
        reverse("supply:receive", args=[item.pk]),
        {
            f"{prefix}-quantity": "12",
            f"{prefix}-source": "县慈善会捐赠",
            f"{prefix}-received_on": _today(),
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "已入库 12 盒，现有库存 12 盒" in response.content.decode()
    item.refresh_from_db()
    assert item.stock == 12


def test_receiving_with_htmx_swaps_the_item_and_a_refusal_keeps_what_was_typed() -> None:
    officer = county_officer()
    item = make_item(actor=officer)
    prefix = f"r{item.pk}"
    client = _client(officer)
    refused = client.post(
        reverse("supply:receive", args=[item.pk]),
        {f"{prefix}-quantity": "7", f"{prefix}-source": "", f"{prefix}-received_on": _today()},
        **HTMX,
    )
    body = refused.content.decode()
    assert refused.status_code == 200  # htmx swaps successful responses only
    assert body.startswith(f'<li id="item-{item.pk}"')
    assert "请填写来源" in body
    assert 'value="7"' in body
    assert f'href="#id_{prefix}-source"' in body
    done = client.post(
        reverse("supply:receive", args=[item.pk]),
        {f"{prefix}-quantity": "7", f"{prefix}-source": "采购", f"{prefix}-received_on": _today()},
        **HTMX,
    )
    assert "已入库 7 盒" in done.content.decode()
    assert 'data-stock="7"' in done.content.decode()


def test_a_count_on_an_old_stock_figure_is_refused_with_the_latest_figure() -> None:
    officer = county_officer()
    item = make_item(actor=officer, stock=10)
    prefix = f"a{item.pk}"
    response = _client(officer).post(
        reverse("supply:adjust", args=[item.pk]),
        {
            f"{prefix}-counted": "8",
            f"{prefix}-reason": "盘点",
            f"{prefix}-counted_on": _today(),
            f"{prefix}-expected_stock": "9",
        },
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "现为 10 盒" in body
    assert f'name="{prefix}-expected_stock" value="10"' in body
    item.refresh_from_db()
    assert item.stock == 10


def test_a_count_corrects_the_stock() -> None:
    officer = county_officer()
    item = make_item(actor=officer, stock=10)
    prefix = f"a{item.pk}"
    response = _client(officer).post(
        reverse("supply:adjust", args=[item.pk]),
        {
            f"{prefix}-counted": "8",
            f"{prefix}-reason": "受潮报废 2 盒",
            f"{prefix}-counted_on": _today(),
            f"{prefix}-expected_stock": "10",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.stock == 8


def test_the_forms_of_an_item_of_another_county_are_404() -> None:
    item = make_item(village=OTHER_COUNTY_VILLAGE)
    client = _client(county_officer())
    for name in ("supply:receive", "supply:adjust", "supply:item_edit"):
        assert client.get(reverse(name, args=[item.pk])).status_code == 404


# -- the catalogue -------------------------------------------------------------------------------
def test_an_officer_adds_an_item_and_a_refusal_keeps_the_answers() -> None:
    client = _client(county_officer())
    refused = client.post(
        reverse("supply:item_new"),
        {"name": "轮椅", "kind": "", "unit": "件", "low_stock_level": "2"},
    )
    assert refused.status_code == 400
    assert "请选择类别" in refused.content.decode()
    assert 'value="轮椅"' in refused.content.decode()
    done = client.post(
        reverse("supply:item_new"),
        {
            "name": "轮椅",
            "kind": "rehabilitation_aid",
            "unit": "件",
            "low_stock_level": "2",
            "unit_value": "680",
        },
    )
    assert done.status_code == 302
    item = SupplyItem.objects.get()
    assert (item.name, item.county_code, item.low_stock_level) == ("轮椅", "511502", 2)


def test_an_edit_on_an_old_version_is_refused_and_nothing_is_lost() -> None:
    officer = county_officer()
    item = make_item(actor=officer, name="营养包")
    client = _client(officer)
    form = {
        "name": "营养包A",
        "kind": item.kind,
        "unit": "盒",
        "low_stock_level": "5",
        "active": "on",
        "version": "1",
    }
    assert client.post(reverse("supply:item_edit", args=[item.pk]), form).status_code == 302
    stale = client.post(reverse("supply:item_edit", args=[item.pk]), {**form, "name": "营养包B"})
    assert stale.status_code == 409
    assert 'value="营养包B"' in stale.content.decode()
    item.refresh_from_db()
    assert item.name == "营养包A"


# -- a child's record and distributions ----------------------------------------------------------
def test_a_director_records_a_distribution_against_the_plan() -> None:
    child = make_child()
    plan_item = approved_plan(
        child, in_kind("nutrition", quantity="2", frequency="once", starts_on=timezone.localdate())
    ).items.get()
    item = make_item(stock=5, name="营养包")
    client = _client(director())
    form = client.get(reverse("supply:distribute", args=[child.pk]))
    body = form.content.decode()
    assert "营养包（库存 5 盒）" in body
    assert "营养品（一次 2 盒，服务计划第 1 号）" in body
    response = client.post(
        reverse("supply:distribute", args=[child.pk]),
        {
            "item": str(item.pk),
            "quantity": "2",
            "distributed_on": _today(),
            "plan_item": str(plan_item.pk),
            "received_by_name": "王桂兰（祖母）",
        },
        follow=True,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "已登记：营养包 2 盒，由 王桂兰（祖母） 签收" in body
    assert "已送到" in body
    assert Distribution.objects.get().plan_item == plan_item


def test_a_refused_distribution_names_the_stock_and_keeps_the_answers() -> None:
    child = make_child()
    item = make_item(stock=1, name="轮椅", unit="件", kind="rehabilitation_aid")
    response = _client(director()).post(
        reverse("supply:distribute", args=[child.pk]),
        {
            "item": str(item.pk),
            "quantity": "3",
            "distributed_on": _today(),
            "received_by_name": "王桂兰",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "“轮椅”库存只有 1 件，不能发放 3 件" in body
    assert 'value="王桂兰"' in body
    assert not Distribution.objects.exists()


def test_the_childs_record_shows_what_is_still_owed() -> None:
    child = make_child()
    starts = timezone.localdate() - dt.timedelta(days=1)
    plan_item = approved_plan(
        child, in_kind("nutrition", quantity="2", frequency="once", starts_on=starts)
    ).items.get()
    make_distribution(child, make_item(stock=5), quantity=1, plan_item_id=plan_item.pk)
    page = _client(director()).get(reverse("supply:child", args=[child.pk]))
    body = page.content.decode()
    assert "还差 1 盒" in body
    assert "到今天应发 2 盒，已发 1 盒" in body
    assert f"?plan_item={plan_item.pk}" in body


def test_a_child_outside_the_jurisdiction_is_404_on_every_page() -> None:
    elsewhere = make_child(OTHER_COUNTY_VILLAGE)
    client = _client(director())
    assert client.get(reverse("supply:child", args=[elsewhere.pk])).status_code == 404
    assert client.get(reverse("supply:distribute", args=[elsewhere.pk])).status_code == 404
    assert client.post(reverse("supply:distribute", args=[elsewhere.pk]), {}).status_code == 404


def test_a_department_officer_has_no_in_kind_pages() -> None:
    child = make_child()
    client = _client(department_officer())
    assert client.get(reverse("supply:child", args=[child.pk])).status_code == 404


def test_the_recorder_cancels_a_distribution_and_the_stock_comes_back() -> None:
    me = director()
    child = make_child()
    item = make_item(stock=3)
    given = make_distribution(child, item, actor=me, quantity=2)
    client = _client(me)
    assert "撤销这条记录" in client.get(reverse("supply:child", args=[child.pk])).content.decode()
    assert client.post(reverse("supply:cancel", args=[given.pk]), {"reason": ""}).status_code == 400
    done = client.post(
        reverse("supply:cancel", args=[given.pk]), {"reason": "实际未发放"}, follow=True
    )
    assert "已退回库存" in done.content.decode()
    item.refresh_from_db()
    assert item.stock == 3
    assert _client(director()).get(reverse("supply:cancel", args=[given.pk])).status_code == 403
