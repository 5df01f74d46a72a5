"""The county catalogue and its stock: who may keep them, what is refused, and that every
change is a movement of the ledger and an audit entry."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Sum

from hehu.audit.models import AuditEntry, Verb
from hehu.core.errors import ConcurrentEdit, PermissionRefused, ValidationFailed
from hehu.supply.models import StockMovement, SupplyItem
from hehu.supply.services import item_create, item_update, stock_adjust, stock_receive
from hehu.supply.tests.factories import (
    OTHER_COUNTY_VILLAGE,
    county_officer,
    director,
    make_item,
)

pytestmark = pytest.mark.django_db


def ledger(item: SupplyItem) -> int:
    return int(item.movements.aggregate(n=Sum("quantity"))["n"] or 0)


# -- the catalogue ------------------------------------------------------------------------------
def test_it_adds_an_item_to_the_officers_county_with_no_stock() -> None:
    officer = county_officer()
    item = item_create(
        actor=officer,
        name="轮椅",
        kind=SupplyItem.Kind.REHABILITATION_AID,
        unit="件",
        code="wheelchair",
        unit_value=Decimal("680.00"),
    )
    assert (item.county_code, item.code, item.stock, item.version) == ("511502", "wheelchair", 0, 1)
    entry = AuditEntry.objects.get(verb=Verb.SUPPLY_ITEM_SAVED, object_id=str(item.pk))
    assert entry.object_type == "supply_item"
    assert entry.changes["name"] == "轮椅"


def test_it_gives_an_item_entered_without_a_code_one_from_its_kind() -> None:
    first = make_item(kind=SupplyItem.Kind.NUTRITION)
    second = make_item(kind=SupplyItem.Kind.NUTRITION)
    assert (first.code, second.code) == ("nutrition-1", "nutrition-2")


def test_a_village_director_may_not_keep_the_catalogue() -> None:
    with pytest.raises(PermissionRefused):
        item_create(actor=director(), name="轮椅", kind="rehabilitation_aid", unit="件")
    assert not SupplyItem.objects.exists()


def test_an_officer_may_not_add_an_item_to_another_county() -> None:
    with pytest.raises(ValidationFailed) as refused:
        item_create(
            actor=county_officer(),
            name="轮椅",
            kind="rehabilitation_aid",
            unit="件",
            county_code=OTHER_COUNTY_VILLAGE[:6],
        )
    assert "只能登记本县（区）的实物物资" in refused.value.errors["county_code"][0]


def test_it_refuses_every_problem_of_an_item_at_once() -> None:
    make_item(code="wheelchair")
    with pytest.raises(ValidationFailed) as refused:
        item_create(
            actor=county_officer(),
            name="",
            kind="toys",
            unit="",
            code="wheelchair",
            unit_value=Decimal("-1"),
            low_stock_level=-2,
        )
    assert set(refused.value.errors) == {
        "name",
        "kind",
        "unit",
        "code",
        "unit_value",
        "low_stock_level",
    }
    assert "已有编码为“wheelchair”的物资" in refused.value.errors["code"][0]


def test_it_refuses_a_code_that_is_not_a_slug() -> None:
    with pytest.raises(ValidationFailed) as refused:
        item_create(actor=county_officer(), name="轮椅", kind="other", unit="件", code="轮 椅")
    assert "小写英文字母" in refused.value.errors["code"][0]


def test_it_changes_an_item_and_records_what_changed() -> None:
    officer = county_officer()
    item = make_item(actor=officer, name="营养包", unit="盒")
    saved = item_update(
        actor=officer,
        item=item,
        name="婴幼儿营养包",
        kind=item.kind,
        unit="盒",
        unit_value=Decimal("40.00"),
        low_stock_level=10,
        active=True,
        expected_version=item.version,
    )
    assert (saved.name, saved.unit_value, saved.version) == ("婴幼儿营养包", Decimal("40.00"), 2)
    entry = AuditEntry.objects.filter(verb=Verb.SUPPLY_ITEM_SAVED).order_by("-id").first()
    assert entry is not None
    assert entry.changes["name"] == ["营养包", "婴幼儿营养包"]
    assert entry.changes["unit_value"] == ["35.00", "40.00"]


def test_a_change_made_on_an_old_version_is_refused_and_nothing_is_lost() -> None:
    officer = county_officer()
    item = make_item(actor=officer, name="营养包")
    item_update(
        actor=officer,
        item=item,
        name="营养包（新）",
        kind=item.kind,
        unit=item.unit,
        unit_value=item.unit_value,
        low_stock_level=5,
        active=True,
        expected_version=1,
    )
    with pytest.raises(ConcurrentEdit) as refused:
        item_update(
            actor=officer,
            item=item,
            name="营养包（旧页面）",
            kind=item.kind,
            unit=item.unit,
            unit_value=item.unit_value,
            low_stock_level=5,
            active=True,
            expected_version=1,
        )
    assert "第 2 版" in str(refused.value.message)
    item.refresh_from_db()
    assert item.name == "营养包（新）"


def test_an_officer_of_another_county_may_not_change_the_item() -> None:
    item = make_item()
    with pytest.raises(PermissionRefused):
        item_update(
            actor=county_officer(OTHER_COUNTY_VILLAGE),
            item=item,
            name="改名",
            kind=item.kind,
            unit=item.unit,
            unit_value=None,
            low_stock_level=5,
            active=True,
            expected_version=item.version,
        )


# -- receipts -----------------------------------------------------------------------------------
def test_receiving_stock_adds_a_movement_and_raises_the_stock() -> None:
    officer = county_officer()
    item = make_item(actor=officer)
    movement = stock_receive(
        actor=officer, item=item, quantity=40, source="县慈善会捐赠", note="冬季专项"
    )
    item.refresh_from_db()
    assert item.stock == 40 == ledger(item)
    assert (movement.kind, movement.quantity, movement.by) == ("receipt", 40, officer)
    entry = AuditEntry.objects.get(verb=Verb.STOCK_RECEIVED)
    assert entry.changes["stock"] == [0, 40]


@pytest.mark.parametrize(
    ("quantity", "source", "field"),
    [
        (None, "捐赠", "quantity"),
        (0, "捐赠", "quantity"),
        (-3, "捐赠", "quantity"),
        (5, "", "source"),
    ],
)
def test_a_receipt_needs_a_positive_quantity_and_a_source(
    quantity: int | None, source: str, field: str
) -> None:
    officer = county_officer()
    item = make_item(actor=officer)
    with pytest.raises(ValidationFailed) as refused:
        stock_receive(actor=officer, item=item, quantity=quantity, source=source)
    assert field in refused.value.errors
    assert not StockMovement.objects.exists()


def test_a_receipt_may_not_be_dated_in_the_future() -> None:
    officer = county_officer()
    item = make_item(actor=officer)
    with pytest.raises(ValidationFailed) as refused:
        stock_receive(
            actor=officer,
            item=item,
            quantity=5,
            source="采购",
            received_on=dt.date.today() + dt.timedelta(days=2),
        )
    assert "不能晚于今天" in refused.value.errors["received_on"][0]


def test_a_village_director_may_not_receive_stock() -> None:
    item = make_item()
    with pytest.raises(PermissionRefused):
        stock_receive(actor=director(), item=item, quantity=5, source="捐赠")


# -- count corrections --------------------------------------------------------------------------
def test_a_count_sets_the_stock_to_what_was_counted_with_the_reason() -> None:
    officer = county_officer()
    item = make_item(actor=officer, stock=10)
    movement = stock_adjust(actor=officer, item=item, counted=7, reason="受潮损坏 3 盒，报废")
    item.refresh_from_db()
    assert (item.stock, movement.quantity, movement.kind) == (7, -3, "adjustment")
    assert ledger(item) == 7
    entry = AuditEntry.objects.get(verb=Verb.STOCK_ADJUSTED)
    assert (entry.changes["stock"], entry.reason) == ([10, 7], "受潮损坏 3 盒，报废")


def test_a_count_never_takes_the_stock_below_zero() -> None:
    officer = county_officer()
    item = make_item(actor=officer, stock=2)
    with pytest.raises(ValidationFailed) as refused:
        stock_adjust(actor=officer, item=item, counted=-1, reason="盘点")
    assert "不能小于 0" in refused.value.errors["counted"][0]
    item.refresh_from_db()
    assert item.stock == 2


def test_a_count_needs_a_reason_and_a_difference() -> None:
    officer = county_officer()
    item = make_item(actor=officer, stock=4)
    with pytest.raises(ValidationFailed) as no_reason:
        stock_adjust(actor=officer, item=item, counted=3, reason=" ")
    assert "reason" in no_reason.value.errors
    with pytest.raises(ValidationFailed) as same:
        stock_adjust(actor=officer, item=item, counted=4, reason="盘点无差异")
    assert "账面库存已是 4 盒，无需调整" in same.value.errors["counted"][0]


def test_a_count_is_refused_when_the_stock_moved_since_the_officer_looked() -> None:
    officer = county_officer()
    item = make_item(actor=officer, stock=6)
    with pytest.raises(ConcurrentEdit) as refused:
        stock_adjust(actor=officer, item=item, counted=3, reason="盘点", expected_stock=5)
    assert "现为 6 盒" in str(refused.value.message)
    item.refresh_from_db()
    assert item.stock == 6


def test_the_database_refuses_a_stock_below_zero() -> None:
    item = make_item(stock=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        SupplyItem.objects.filter(pk=item.pk).update(stock=-1)
