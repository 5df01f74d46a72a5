"""Overpayments over the API: money paid for months a child was no longer entitled to.

- `GET /api/v1/benefits/overpayments/` the open overpayments of the caller's counties,
  oldest found first (paged).
- `POST /api/v1/benefits/overpayments/<id>/settle/` {outcome: recovered | waived, note,
  version} records that the guardian repaid it or that the county waived it (409 when it
  changed since the caller read it).

Thin: access (404 whether outside the caller's counties or missing), the service decides;
refusals are rendered by hehu.api.errors.
"""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from hehu.accounts.permissions import Perm, has_perm
from hehu.benefits.api.shapes import WITH_CONFLICT, OverpaymentOutput
from hehu.benefits.models import Overpayment
from hehu.benefits.selectors import access_overpayment_by_id, open_overpayments
from hehu.benefits.services.overpayments import settle_overpayment
from hehu.core.errors import PermissionRefused
from hehu.registry.serializers import RefusalOutput, request_user, validated_input


class OverpaymentSettleInput(serializers.Serializer[Any]):
    outcome = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_lazy("recovered（监护人已退回）或 waived（核销）"),
    )
    note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_lazy("处理说明（至少 5 个字）")
    )
    version = serializers.IntegerField(required=False, allow_null=True, default=None)


class OverpaymentsApi(GenericAPIView[Overpayment]):
    serializer_class = OverpaymentOutput

    @extend_schema(
        operation_id="benefits_overpayments_open",
        responses={200: OverpaymentOutput(many=True), 403: RefusalOutput},
    )
    def get(self, request: Request) -> Response:
        if not has_perm(request.user, Perm.MANAGE_BENEFITS):
            raise PermissionRefused(_("多发待遇由县级民政部门处理"))
        page = self.paginate_queryset(open_overpayments(user=request.user))
        return self.get_paginated_response(OverpaymentOutput(page, many=True).data)


class SettleApi(GenericAPIView[Overpayment]):
    serializer_class = OverpaymentOutput

    @extend_schema(
        operation_id="benefits_overpayment_settle",
        request=OverpaymentSettleInput,
        responses={200: OverpaymentOutput, **WITH_CONFLICT},
    )
    def post(self, request: Request, overpayment_id: int) -> Response:
        debt = access_overpayment_by_id(request.user, overpayment_id)
        data = validated_input(OverpaymentSettleInput(data=request.data))
        done = settle_overpayment(
            actor=request_user(request),
            overpayment=debt,
            outcome=data["outcome"],
            note=data["note"],
            expected_version=data["version"],
        )
        return Response(OverpaymentOutput(done).data)


urlpatterns: list[URLPattern | URLResolver] = [
    path("benefits/overpayments/", OverpaymentsApi.as_view(), name="benefits-overpayments"),
    path(
        "benefits/overpayments/<int:overpayment_id>/settle/",
        SettleApi.as_view(),
        name="benefits-overpayment-settle",
    ),
]
