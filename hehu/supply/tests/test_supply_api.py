"""In-kind supply over /api/v1/: status codes, refusals, and 404 outside the jurisdiction."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

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


def _api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _given(child_id: int, item_id: int, **more: Any) -> dict[str, Any]:
    return {
        "child_id": child_id,
        "item_id": item_id,
        "quantity": 1,
        "distributed_on": timezone.localdate().isoformat(),
        "received_by_name": "王桂兰",
        **more,
    }


# -- the catalogue ------------------------------------------------------------------------------
def test_a_county_officer_adds_an_item_and_lists_the_catalogue() -> None:
    api = _api(county_officer())
    created = api.post(
        "/api/v1/supply/items/",
        {"name": "轮椅", "kind": "rehabilitation_aid", "unit": "件", "unit_value": "680.00"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["county_code"] == "511502"
    assert created.json()["stock"] == 0
    listed = api.get("/api/v1/supply/items/")
    assert [row["name"] for row in listed.json()["results"]] == ["轮椅"]


def test_an_item_with_problems_is_refused_with_every_field() -> None:
    response = _api(county_officer()).post(
        "/api/v1/supply/items/", {"name": "", "kind": "x", "unit": ""}, format="json"
    )
    assert response.status_code == 400
    assert {"name", "kind", "unit"} <= set(response.json()["errors"])


def test_a_village_director_reads_the_catalogue_of_the_county_but_may_not_add_to_it() -> None:
    make_item(name="营养包")
    make_item(name="长宁营养包", village=OTHER_COUNTY_VILLAGE)
    api = _api(director())
    listed = api.get("/api/v1/supply/items/")
    assert [row["name"] for row in listed.json()["results"]] == ["营养包"]
    refused = api.post(
        "/api/v1/supply/items/", {"name": "轮椅", "kind": "other", "unit": "件"}, format="json"
    )
    assert refused.status_code == 403


def test_an_item_is_changed_with_its_version_and_an_old_version_is_409() -> None:
    officer = county_officer()
    item = make_item(actor=officer, name="营养包")
    api = _api(officer)
    saved = api.patch(
        f"/api/v1/supply/items/{item.pk}/", {"name": "营养包A", "version": 1}, format="json"
    )
    assert saved.status_code == 200, saved.json()
    assert (saved.json()["name"], saved.json()["version"], saved.json()["unit"]) == (
        "营养包A",
        2,
        "盒",
    )
    stale = api.patch(
        f"/api/v1/supply/items/{item.pk}/", {"name": "营养包B", "version": 1}, format="json"
    )
    assert stale.status_code == 409
    without = api.patch(f"/api/v1/supply/items/{item.pk}/", {"name": "营养包C"}, format="json")
    assert without.status_code == 400


def test_an_item_of_another_county_is_404_like_a_missing_one() -> None:
    item = make_item(village=OTHER_COUNTY_VILLAGE)
    api = _api(county_officer())
    for url in (
        f"/api/v1/supply/items/{item.pk}/",
        "/api/v1/supply/items/987654/",
    ):
        assert api.get(url).status_code == 404
        assert api.patch(url, {"name": "x", "version": 1}, format="json").status_code == 404
        assert api.post(f"{url}receipts/", {"quantity": 5}, format="json").status_code == 404
    item.refresh_from_db()
    assert item.stock == 0


# -- stock --------------------------------------------------------------------------------------
def test_receipts_and_counts_move_the_stock() -> None:
    officer = county_officer()
    item = make_item(actor=officer)
    api = _api(officer)
    received = api.post(
        f"/api/v1/supply/items/{item.pk}/receipts/",
        {"quantity": 12, "source": "县慈善会捐赠"},
        format="json",
    )
    assert received.status_code == 201, received.json()
    assert (received.json()["kind"], received.json()["stock"]) == ("receipt", 12)
    counted = api.post(
        f"/api/v1/supply/items/{item.pk}/adjustments/",
        {"counted": 10, "reason": "破损 2 盒报废", "expected_stock": 12},
        format="json",
    )
    assert counted.status_code == 201, counted.json()
    assert (counted.json()["quantity"], counted.json()["stock"]) == (-2, 10)
    below = api.post(
        f"/api/v1/supply/items/{item.pk}/adjustments/",
        {"counted": -1, "reason": "盘点"},
        format="json",
    )
    assert below.status_code == 400
    moved = api.post(
        f"/api/v1/supply/items/{item.pk}/adjustments/",
        {"counted": 3, "reason": "盘点", "expected_stock": 12},
        format="json",
    )
    assert moved.status_code == 409


def test_a_director_may_not_receive_stock() -> None:
    item = make_item()
    response = _api(director()).post(
        f"/api/v1/supply/items/{item.pk}/receipts/",
        {"quantity": 5, "source": "捐赠"},
        format="json",
    )
    assert response.status_code == 403


# -- distributions ------------------------------------------------------------------------------
def test_a_director_records_a_distribution_and_the_stock_goes_down() -> None:
    child = make_child()
    item = make_item(stock=3)
    response = _api(director()).post(
        "/api/v1/supply/distributions/", _given(child.pk, item.pk, quantity=2), format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["child_id"], body["quantity"], body["item"]["name"]) == (child.pk, 2, item.name)
    item.refresh_from_db()
    assert item.stock == 1


def test_more_than_the_stock_is_400_naming_the_stock() -> None:
    child = make_child()
    item = make_item(stock=1, name="轮椅", unit="件", kind="rehabilitation_aid")
    response = _api(director()).post(
        "/api/v1/supply/distributions/", _given(child.pk, item.pk, quantity=2), format="json"
    )
    assert response.status_code == 400
    assert "库存只有 1 件" in response.json()["errors"]["quantity"][0]


def test_a_child_outside_the_jurisdiction_is_404_and_nothing_changes() -> None:
    elsewhere = make_child(OTHER_COUNTY_VILLAGE)
    item = make_item(stock=3)
    api = _api(director())
    hidden = api.post("/api/v1/supply/distributions/", _given(elsewhere.pk, item.pk), format="json")
    missing = api.post("/api/v1/supply/distributions/", _given(987654, item.pk), format="json")
    assert hidden.status_code == missing.status_code == 404
    assert api.get(f"/api/v1/children/{elsewhere.pk}/supply/").status_code == 404
    assert not Distribution.objects.exists()
    item.refresh_from_db()
    assert item.stock == 3


def test_an_item_the_caller_cannot_see_is_refused_as_a_field() -> None:
    child = make_child()
    other = make_item(stock=3, village=OTHER_COUNTY_VILLAGE)
    response = _api(director()).post(
        "/api/v1/supply/distributions/", _given(child.pk, other.pk), format="json"
    )
    assert response.status_code == 400
    assert "item_id" in response.json()["errors"]


def test_a_department_officer_does_not_reach_distributions() -> None:
    child = make_child()
    item = make_item(stock=3)
    api = _api(department_officer())
    assert (
        api.post("/api/v1/supply/distributions/", _given(child.pk, item.pk), format="json")
    ).status_code == 404
    assert api.get(f"/api/v1/children/{child.pk}/supply/").status_code == 404
    assert api.get("/api/v1/supply/distributions/").json()["results"] == []


def test_distributions_are_listed_by_child_and_by_county() -> None:
    first, second = make_child(), make_child()
    item = make_item(stock=5)
    make_distribution(first, item)
    make_distribution(second, item)
    make_distribution(
        make_child(OTHER_COUNTY_VILLAGE), make_item(stock=2, village=OTHER_COUNTY_VILLAGE)
    )
    api = _api(county_officer())
    by_child = api.get("/api/v1/supply/distributions/", {"child": first.pk}).json()["results"]
    assert [row["child_id"] for row in by_child] == [first.pk]
    by_county = api.get("/api/v1/supply/distributions/", {"county": "511502"}).json()["results"]
    assert {row["child_id"] for row in by_county} == {first.pk, second.pk}
    everything = api.get("/api/v1/supply/distributions/").json()["results"]
    assert len(everything) == 2


def test_the_distribution_list_costs_the_same_however_long(django_assert_num_queries: Any) -> None:
    officer = county_officer()
    item = make_item(stock=20)
    for _ in range(6):
        make_distribution(make_child(), item)
    api = _api(officer)
    api.get("/api/v1/supply/distributions/")  # the officer's jurisdiction is read once
    with django_assert_num_queries(2):
        api.get("/api/v1/supply/distributions/")
    make_distribution(make_child(), item)
    with django_assert_num_queries(2):
        api.get("/api/v1/supply/distributions/")


def test_a_distribution_is_cancelled_with_a_reason() -> None:
    me = director()
    item = make_item(stock=3)
    given = make_distribution(make_child(), item, actor=me, quantity=2)
    api = _api(me)
    no_reason = api.post(f"/api/v1/supply/distributions/{given.pk}/cancel/", {}, format="json")
    assert no_reason.status_code == 400
    done = api.post(
        f"/api/v1/supply/distributions/{given.pk}/cancel/", {"reason": "实际未发放"}, format="json"
    )
    assert done.status_code == 200, done.json()
    assert done.json()["cancelled"] is True
    item.refresh_from_db()
    assert item.stock == 3
    other = _api(director(OTHER_COUNTY_VILLAGE)).post(
        f"/api/v1/supply/distributions/{given.pk}/cancel/", {"reason": "x"}, format="json"
    )
    assert other.status_code == 404


def test_the_childs_record_sets_the_plan_against_what_was_delivered() -> None:
    child = make_child()
    starts = timezone.localdate() - dt.timedelta(days=3)
    plan_item = approved_plan(
        child, in_kind("nutrition", quantity="2", frequency="once", starts_on=starts)
    ).items.get()
    make_distribution(child, make_item(stock=5), quantity=1, plan_item_id=plan_item.pk)
    response = _api(director()).get(f"/api/v1/children/{child.pk}/supply/")
    assert response.status_code == 200
    body = response.json()
    assert len(body["distributions"]) == 1
    (promise,) = body["promises"]
    assert (promise["support_label"], promise["promised"], promise["distributed"]) == (
        "营养品",
        "2.00",
        1,
    )
    assert promise["status"] == "short"
    assert response["Cache-Control"] == "private, no-store"


def test_unknown_items_and_children_in_the_query_are_harmless() -> None:
    api = _api(county_officer())
    assert api.get("/api/v1/supply/distributions/", {"child": "abc"}).status_code == 200
    assert SupplyItem.objects.count() == 0
