"""Handing items to a child: the stock goes down with one movement, never below zero;
every refusal says what to do; a child outside the jurisdiction is missing; the plan item
named must be an in-kind item of the child's approved plan; cancelling returns the stock."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from hehu.accounts.models import Role
from hehu.accounts.tests.factories import make_user
from hehu.audit.models import AuditEntry, Verb
from hehu.cases.models import PlanItem
from hehu.cases.tests.factories import department_officer
from hehu.core.errors import PermissionRefused, ValidationFailed
from hehu.registry.models import Child
from hehu.supply.models import Distribution, StockMovement, SupplyItem
from hehu.supply.services import cancel_distribution
from hehu.supply.tests.factories import (
    OTHER_COUNTY_VILLAGE,
    approved_plan,
    county_officer,
    director,
    in_kind,
    make_child,
    make_distribution,
    make_item,
    supervisor,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def stock_of(item: SupplyItem) -> int:
    item.refresh_from_db()
    return item.stock


# -- recording a distribution -------------------------------------------------------------------
def test_a_village_director_hands_out_items_and_the_stock_goes_down() -> None:
    child = make_child()
    item = make_item(stock=10)
    me = director()
    given = make_distribution(child, item, actor=me, quantity=3, note="冬季营养补充")
    assert stock_of(item) == 7
    movement = given.movement
    assert (movement.kind, movement.quantity, movement.item) == ("distribution", -3, item)
    assert (given.by, given.child, given.received_by_name) == (me, child, "王桂兰（祖母）")
    entry = AuditEntry.objects.get(verb=Verb.SUPPLY_DISTRIBUTED)
    assert (entry.object_type, entry.object_id, entry.child_id) == (
        "supply_distribution",
        str(given.pk),
        child.pk,
    )
    assert entry.changes["stock"] == [10, 7]


def test_a_township_supervisor_and_county_civil_affairs_hand_out_too() -> None:
    child = make_child()
    item = make_item(stock=5)
    make_distribution(child, item, actor=supervisor())
    make_distribution(child, item, actor=county_officer())
    assert stock_of(item) == 3


def test_it_refuses_more_than_the_stock_and_names_the_stock() -> None:
    child = make_child()
    item = make_item(stock=2, name="轮椅", unit="件", kind="rehabilitation_aid")
    with pytest.raises(ValidationFailed) as refused:
        make_distribution(child, item, quantity=3)
    message = refused.value.errors["quantity"][0]
    assert "“轮椅”库存只有 2 件，不能发放 3 件" in message
    assert "先登记入库" in message
    assert stock_of(item) == 2
    assert not Distribution.objects.exists()


def test_it_refuses_an_item_with_no_stock_left() -> None:
    child = make_child()
    item = make_item(stock=1)
    make_distribution(child, item)
    with pytest.raises(ValidationFailed) as refused:
        make_distribution(child, item)
    assert "已无库存（0 盒）" in refused.value.errors["quantity"][0]
    assert stock_of(item) == 0


@pytest.mark.parametrize("quantity", [None, 0, -1])
def test_it_refuses_a_quantity_that_is_not_a_positive_number(quantity: int | None) -> None:
    item = make_item(stock=5)
    with pytest.raises(ValidationFailed) as refused:
        make_distribution(make_child(), item, quantity=quantity)  # type: ignore[arg-type]
    assert "quantity" in refused.value.errors
    assert stock_of(item) == 5


def test_a_child_outside_the_jurisdiction_is_missing_and_nothing_changes() -> None:
    elsewhere = make_child(OTHER_COUNTY_VILLAGE)
    item = make_item(stock=5)
    with pytest.raises(Http404):
        make_distribution(elsewhere, item, actor=director())
    with pytest.raises(Http404):
        make_distribution(make_child("511502001002"), item, actor=director())
    assert stock_of(item) == 5
    assert not Distribution.objects.exists()
    assert not AuditEntry.objects.filter(verb=Verb.SUPPLY_DISTRIBUTED).exists()


@pytest.mark.parametrize(
    ("status", "words"),
    [(Child.Status.MERGED, "已合并到另一份档案"), (Child.Status.CLOSED, "已销档")],
)
def test_it_refuses_a_child_whose_file_is_not_active(status: str, words: str) -> None:
    child = make_child(status=status)
    item = make_item(stock=5)
    with pytest.raises(ValidationFailed) as refused:
        make_distribution(child, item)
    assert words in refused.value.errors["child"][0]
    assert stock_of(item) == 5


def test_roles_that_do_not_hand_things_out_are_refused() -> None:
    child = make_child()
    item = make_item(stock=5)
    for actor in (department_officer(), make_user(Role.CITY_ANALYST, "5115")):
        with pytest.raises(PermissionRefused):
            make_distribution(child, item, actor=actor)
    assert stock_of(item) == 5


def test_it_refuses_an_item_of_another_county_or_one_no_longer_in_use() -> None:
    child = make_child()
    other = make_item(stock=5, village=OTHER_COUNTY_VILLAGE, name="长宁营养包")
    with pytest.raises(ValidationFailed) as refused:
        make_distribution(child, other, actor=county_officer(OTHER_COUNTY_VILLAGE[:4]))
    assert "请选择儿童所在县（区）的物资" in refused.value.errors["item"][0]
    retired = make_item(stock=5, active=False, name="旧书包")
    with pytest.raises(ValidationFailed) as refused:
        make_distribution(child, retired)
    assert "“旧书包”已停用" in refused.value.errors["item"][0]
    assert stock_of(other) == stock_of(retired) == 5


def test_the_date_is_not_in_the_future_nor_before_the_birth() -> None:
    child = make_child(birth_date=dt.date(2020, 5, 1))
    item = make_item(stock=5)
    with pytest.raises(ValidationFailed) as future:
        make_distribution(child, item, distributed_on=TODAY() + dt.timedelta(days=1))
    assert "不能晚于今天" in future.value.errors["distributed_on"][0]
    with pytest.raises(ValidationFailed) as unborn:
        make_distribution(child, item, distributed_on=dt.date(2020, 4, 30))
    assert "不能早于 2020-05-01" in unborn.value.errors["distributed_on"][0]
    with pytest.raises(ValidationFailed) as missing:
        make_distribution(child, item, distributed_on=None)
    assert "distributed_on" in missing.value.errors


def test_someone_must_sign_for_it() -> None:
    with pytest.raises(ValidationFailed) as refused:
        make_distribution(make_child(), make_item(stock=5), received_by_name="  ")
    assert "签收人" in refused.value.errors["received_by_name"][0]


# -- the plan item it meets ---------------------------------------------------------------------
def test_a_distribution_may_meet_an_in_kind_item_of_the_childs_approved_plan() -> None:
    child = make_child()
    plan = approved_plan(child, in_kind("nutrition"))
    plan_item = plan.items.get()
    given = make_distribution(child, make_item(stock=5), plan_item_id=plan_item.pk)
    assert given.plan_item == plan_item


def test_a_plan_item_of_another_child_is_treated_as_missing() -> None:
    child, other = make_child(), make_child()
    plan_item = approved_plan(other, in_kind("nutrition")).items.get()
    item = make_item(stock=5)
    with pytest.raises(ValidationFailed) as refused:
        make_distribution(child, item, plan_item_id=plan_item.pk)
    assert "没有找到这名儿童的这项服务计划事项" in refused.value.errors["plan_item"][0]
    with pytest.raises(ValidationFailed):
        make_distribution(child, item, plan_item_id=999_999)
    assert stock_of(item) == 5


def test_a_plan_item_of_a_plan_not_yet_approved_is_refused() -> None:
    child = make_child()
    plan_item = approved_plan(child, in_kind("nutrition"), approve=False).items.get()
    with pytest.raises(ValidationFailed) as refused:
        make_distribution(child, make_item(stock=5), plan_item_id=plan_item.pk)
    assert "服务计划第 1 号待审核" in refused.value.errors["plan_item"][0]


def test_a_cash_item_of_the_plan_is_refused() -> None:
    child = make_child()
    plan = approved_plan(child, in_kind("temporary_assistance", kind=PlanItem.Kind.CASH))
    with pytest.raises(ValidationFailed) as refused:
        make_distribution(child, make_item(stock=5), plan_item_id=plan.items.get().pk)
    assert "是资金支持，不是实物" in refused.value.errors["plan_item"][0]


def test_the_item_must_be_what_the_plan_item_promised() -> None:
    child = make_child()
    plan_item = approved_plan(child, in_kind("school_supplies")).items.get()
    wheelchair = make_item(stock=5, name="轮椅", kind="rehabilitation_aid", unit="件")
    with pytest.raises(ValidationFailed) as refused:
        make_distribution(child, wheelchair, plan_item_id=plan_item.pk)
    assert "计划事项是“学习用品”，所选物资“轮椅”是康复辅具" in refused.value.errors["plan_item"][0]
    bag = make_item(stock=5, name="学习用品包", kind="school_supplies", unit="套")
    assert make_distribution(child, bag, plan_item_id=plan_item.pk).plan_item == plan_item


def test_a_plan_support_the_catalogue_does_not_know_is_met_by_any_item() -> None:
    child = make_child()
    plan_item = approved_plan(child, in_kind("hearing_aid_batteries")).items.get()
    item = make_item(stock=5, name="助听器电池", kind="rehabilitation_aid")
    assert make_distribution(child, item, plan_item_id=plan_item.pk).plan_item == plan_item


# -- cancelling ---------------------------------------------------------------------------------
def test_cancelling_returns_the_stock_with_a_return_movement() -> None:
    me = director()
    child = make_child()
    item = make_item(stock=4)
    given = make_distribution(child, item, actor=me, quantity=3)
    cancelled = cancel_distribution(actor=me, distribution=given, reason="登记错了儿童，实际未发放")
    assert stock_of(item) == 4
    assert cancelled.cancelled
    assert cancelled.cancelled_by == me
    back = cancelled.return_movement
    assert back is not None
    assert (back.kind, back.quantity) == (StockMovement.Kind.RETURN, 3)
    entry = AuditEntry.objects.get(verb=Verb.DISTRIBUTION_CANCELLED)
    assert (entry.child_id, entry.reason) == (child.pk, "登记错了儿童，实际未发放")


def test_a_distribution_is_cancelled_once_and_with_a_reason() -> None:
    officer = county_officer()
    item = make_item(stock=4)
    given = make_distribution(make_child(), item)
    with pytest.raises(ValidationFailed) as no_reason:
        cancel_distribution(actor=officer, distribution=given, reason="")
    assert "reason" in no_reason.value.errors
    cancel_distribution(actor=officer, distribution=given, reason="重复登记")
    with pytest.raises(ValidationFailed) as twice:
        cancel_distribution(actor=officer, distribution=given, reason="重复登记")
    assert "已于" in twice.value.errors["distribution"][0]
    assert stock_of(item) == 4


def test_only_the_recorder_or_county_civil_affairs_may_cancel() -> None:
    child = make_child()
    item = make_item(stock=4)
    given = make_distribution(child, item, actor=director())
    for other in (director(), supervisor(), county_officer(OTHER_COUNTY_VILLAGE)):
        with pytest.raises(PermissionRefused):
            cancel_distribution(actor=other, distribution=given, reason="重复登记")
    assert stock_of(item) == 3
