"""The county's in-kind catalogue and stock over the API.

- `GET /api/v1/supply/items/` the items the caller may see (county civil affairs: their
  county's catalogue; directors and supervisors: the catalogue of the county they work in),
  `?county=511502` for one county, `?active=true` for items in use; `POST` adds an item.
- `GET /api/v1/supply/items/<id>/`; `PATCH` changes it (send `version`: 409 when someone
  else saved it meanwhile).
- `POST /api/v1/supply/items/<id>/receipts/` receives stock; `POST …/adjustments/` sets
  the stock to what was counted, with the reason.

Thin: the selectors scope (404 whether outside the jurisdiction or missing), the services
decide; refusals are rendered by hehu.api.errors.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import URLPattern, path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from hehu.registry.serializers import RefusalOutput, request_user, validated_input
from hehu.supply.api.shapes import (
    REFUSALS,
    SupplyAdjustmentInput,
    SupplyItemInput,
    SupplyItemOutput,
    SupplyItemPatchInput,
    SupplyMovementOutput,
    SupplyReceiptInput,
)
from hehu.supply.models import StockMovement, SupplyItem
from hehu.supply.selectors import access_item_by_id, items_visible_to
from hehu.supply.services import item_create, item_update, stock_adjust, stock_receive


def _movement(movement: StockMovement) -> dict[str, Any]:
    found = StockMovement.objects.select_related("item", "by").get(pk=movement.pk)
    return dict(SupplyMovementOutput(found).data)


class SupplyItemsApi(GenericAPIView[SupplyItem]):
    serializer_class = SupplyItemOutput

    def get_queryset(self) -> QuerySet[SupplyItem]:
        items = items_visible_to(self.request.user)
        county = self.request.query_params.get("county", "")
        if county:
            items = items.filter(county_code=county)
        if self.request.query_params.get("active") in ("true", "1"):
            items = items.filter(active=True)
        return items.order_by("county_code", "-active", "kind", "name", "pk")

    @extend_schema(
        operation_id="supply_items_list",
        parameters=[
            OpenApiParameter("county", OpenApiTypes.STR, description="县（区）6 位区划代码"),
            OpenApiParameter("active", OpenApiTypes.BOOL, description="只列在用的物资"),
        ],
        responses={200: SupplyItemOutput(many=True)},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(SupplyItemOutput(page, many=True).data)

    @extend_schema(
        operation_id="supply_items_create",
        request=SupplyItemInput,
        responses={201: SupplyItemOutput, **REFUSALS},
    )
    def post(self, request: Request) -> Response:
        data = validated_input(SupplyItemInput(data=request.data))
        item = item_create(actor=request_user(request), **data)
        return Response(SupplyItemOutput(item).data, status=status.HTTP_201_CREATED)


class SupplyItemApi(GenericAPIView[SupplyItem]):
    serializer_class = SupplyItemOutput

    @extend_schema(
        operation_id="supply_items_read", responses={200: SupplyItemOutput, 404: RefusalOutput}
    )
    def get(self, request: Request, item_id: int) -> Response:
        return Response(SupplyItemOutput(access_item_by_id(request.user, item_id)).data)

    @extend_schema(
        operation_id="supply_items_update",
        request=SupplyItemPatchInput,
        responses={200: SupplyItemOutput, 409: RefusalOutput, **REFUSALS},
    )
    def patch(self, request: Request, item_id: int) -> Response:
        item = access_item_by_id(request.user, item_id)
        data = validated_input(SupplyItemPatchInput(data=request.data))
        version = data.pop("version")
        fields = ("name", "kind", "unit", "unit_value", "low_stock_level", "active")
        values = {key: data.get(key, getattr(item, key)) for key in fields}
        saved = item_update(
            actor=request_user(request), item=item, expected_version=version, **values
        )
        return Response(SupplyItemOutput(saved).data)


class SupplyReceiptsApi(GenericAPIView[StockMovement]):
    serializer_class = SupplyMovementOutput

    @extend_schema(
        operation_id="supply_items_receive",
        request=SupplyReceiptInput,
        responses={201: SupplyMovementOutput, **REFUSALS},
    )
    def post(self, request: Request, item_id: int) -> Response:
        item = access_item_by_id(request.user, item_id)
        data = validated_input(SupplyReceiptInput(data=request.data))
        movement = stock_receive(actor=request_user(request), item=item, **data)
        return Response(_movement(movement), status=status.HTTP_201_CREATED)


class SupplyAdjustmentsApi(GenericAPIView[StockMovement]):
    serializer_class = SupplyMovementOutput

    @extend_schema(
        operation_id="supply_items_adjust",
        request=SupplyAdjustmentInput,
        responses={201: SupplyMovementOutput, 409: RefusalOutput, **REFUSALS},
    )
    def post(self, request: Request, item_id: int) -> Response:
        item = access_item_by_id(request.user, item_id)
        data = validated_input(SupplyAdjustmentInput(data=request.data))
        movement = stock_adjust(actor=request_user(request), item=item, **data)
        return Response(_movement(movement), status=status.HTTP_201_CREATED)


urlpatterns: list[URLPattern] = [
    path("supply/items/", SupplyItemsApi.as_view(), name="supply-items"),
    path("supply/items/<int:item_id>/", SupplyItemApi.as_view(), name="supply-item"),
    path(
        "supply/items/<int:item_id>/receipts/",
        SupplyReceiptsApi.as_view(),
        name="supply-item-receipts",
    ),
    path(
        "supply/items/<int:item_id>/adjustments/",
        SupplyAdjustmentsApi.as_view(),
        name="supply-item-adjustments",
    ),
]
