"""In-kind distributions over the API.

- `GET /api/v1/supply/distributions/` distributions the caller may see, `?child=<id>` for
  one child, `?county=511502` for one county's stock, newest first; `POST` records one
  (`child_id`, `item_id`, `quantity`, `distributed_on`, `received_by_name`, optional
  `plan_item_id`, `note`): the stock goes down by the quantity.
- `POST /api/v1/supply/distributions/<id>/cancel/` cancels one with a reason; the stock
  comes back.
- `GET /api/v1/children/<id>/supply/` a child's distributions and the in-kind items of the
  child's approved plans, promised so far against delivered.

A child outside the caller's jurisdiction answers 404 like a missing one.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from hehu.core.errors import ValidationFailed
from hehu.registry.serializers import RefusalOutput, request_user, validated_input
from hehu.supply.api.shapes import (
    REFUSALS,
    SupplyCancelInput,
    SupplyChildOutput,
    SupplyDistributionInput,
    SupplyDistributionOutput,
)
from hehu.supply.models import Distribution, SupplyItem
from hehu.supply.selectors import (
    access_distribution_by_id,
    access_supply_child_by_id,
    distributions_of_child,
    distributions_visible_to,
    items_visible_to,
    plan_promises,
    with_details,
)
from hehu.supply.services import cancel_distribution, distribute


def _out(distribution: Distribution) -> SupplyDistributionOutput:
    return SupplyDistributionOutput(
        with_details(Distribution.objects.all()).get(pk=distribution.pk)
    )


def _item(user: object, item_id: int | None) -> SupplyItem:
    item = items_visible_to(user).filter(pk=item_id).first() if item_id else None
    if item is None:
        raise ValidationFailed({"item_id": [_("请选择要发放的物资（儿童所在县的物资目录）")]})
    return item


class SupplyDistributionsApi(GenericAPIView[Distribution]):
    serializer_class = SupplyDistributionOutput

    def get_queryset(self) -> QuerySet[Distribution]:
        found = distributions_visible_to(self.request.user)
        params = self.request.query_params
        child = params.get("child", "")
        if child:
            found = found.filter(child_id=int(child) if child.isdigit() else 0)
        if params.get("county"):
            found = found.filter(item__county_code=params["county"])
        return with_details(found)

    @extend_schema(
        operation_id="supply_distributions_list",
        parameters=[
            OpenApiParameter("child", OpenApiTypes.INT, description="儿童档案编号"),
            OpenApiParameter("county", OpenApiTypes.STR, description="物资所属县 6 位代码"),
        ],
        responses={200: SupplyDistributionOutput(many=True)},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(SupplyDistributionOutput(page, many=True).data)

    @extend_schema(
        operation_id="supply_distributions_record",
        request=SupplyDistributionInput,
        responses={201: SupplyDistributionOutput, **REFUSALS},
    )
    def post(self, request: Request) -> Response:
        data = validated_input(SupplyDistributionInput(data=request.data))
        child = access_supply_child_by_id(request.user, data.pop("child_id"))
        item = _item(request.user, data.pop("item_id"))
        given = distribute(actor=request_user(request), child=child, item=item, **data)
        return Response(_out(given).data, status=status.HTTP_201_CREATED)


class SupplyDistributionCancelApi(GenericAPIView[Distribution]):
    serializer_class = SupplyDistributionOutput

    @extend_schema(
        operation_id="supply_distributions_cancel",
        request=SupplyCancelInput,
        responses={200: SupplyDistributionOutput, **REFUSALS},
    )
    def post(self, request: Request, distribution_id: int) -> Response:
        given = access_distribution_by_id(request.user, distribution_id)
        data = validated_input(SupplyCancelInput(data=request.data))
        cancelled = cancel_distribution(
            actor=request_user(request), distribution=given, reason=data["reason"]
        )
        return Response(_out(cancelled).data)


class ChildSupplyApi(GenericAPIView[Distribution]):
    serializer_class = SupplyChildOutput

    @extend_schema(
        operation_id="supply_child_record",
        responses={200: SupplyChildOutput, 404: RefusalOutput},
    )
    def get(self, request: Request, child_id: int) -> Response:
        child = access_supply_child_by_id(request.user, child_id)
        body = {
            "child_id": child.pk,
            "promises": plan_promises(child),
            "distributions": list(distributions_of_child(child)),
        }
        response = Response(SupplyChildOutput(body).data)
        response["Cache-Control"] = "private, no-store"
        return response


urlpatterns: list[URLPattern] = [
    path(
        "supply/distributions/",
        SupplyDistributionsApi.as_view(),
        name="supply-distributions",
    ),
    path(
        "supply/distributions/<int:distribution_id>/cancel/",
        SupplyDistributionCancelApi.as_view(),
        name="supply-distribution-cancel",
    ),
    path("children/<int:child_id>/supply/", ChildSupplyApi.as_view(), name="child-supply"),
]
