"""A child's benefits over the API.

- `GET /api/v1/children/<id>/benefits/` this month's entitlement with its reasons (both
  languages), enrolments, the payee account (masked), payments, one-off aid and
  overpayments. For those who may see benefits (village director, township supervisor,
  county civil affairs).
- `PUT /api/v1/children/<id>/benefits/account/` {holder_kind, holder_name, bank_name,
  account_number, version} records or replaces the account; send the `version` of the
  account read (null when there was none): 409 when someone changed it meanwhile. The
  response shows the account masked, never its number.
- `POST /api/v1/children/<id>/benefits/aid-grants/` grants one-off aid;
  `POST /api/v1/benefits/aid-grants/<id>/cancel/` {reason} cancels it.

Thin: access helpers (404 whether hidden or missing), the services decide; refusals are
rendered by hehu.api.errors.
"""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from hehu.benefits.api.shapes import (
    REFUSALS,
    WITH_CONFLICT,
    AidGrantOutput,
    EnrolmentOutput,
    OverpaymentOutput,
    PayeeAccountOutput,
    PaymentLineOutput,
    both,
    money,
    programme_name,
)
from hehu.benefits.models import AidGrant, PayeeAccount, Transfer
from hehu.benefits.months import parse_month
from hehu.benefits.selectors import (
    access_aid_grant_by_id,
    access_benefit_child_by_id,
    child_benefit_record,
)
from hehu.benefits.services.accounts import save_account
from hehu.benefits.services.aid import cancel_aid, grant_aid
from hehu.benefits.standards.entitlements import Entitlement, Passed
from hehu.core.errors import ValidationFailed
from hehu.registry.serializers import RefusalOutput, request_user, validated_input


# -- shapes ------------------------------------------------------------------------------------
class BenefitEntitlementOutput(serializers.Serializer[Any]):
    programme = serializers.CharField()
    programme_label = serializers.SerializerMethodField()
    monthly_amount = money()
    reasons = serializers.SerializerMethodField(help_text=_lazy("依据（中、英）"))

    def get_programme_label(self, entitlement: Entitlement) -> dict[str, str]:
        return programme_name(self, entitlement.programme)

    def get_reasons(self, entitlement: Entitlement) -> list[dict[str, str]]:
        return [both(r) for r in entitlement.reasons]


class BenefitPassedOutput(serializers.Serializer[Any]):
    programme = serializers.CharField()
    programme_label = serializers.SerializerMethodField()
    reason = serializers.SerializerMethodField(help_text=_lazy("不发放的原因（中、英）"))

    def get_programme_label(self, passed: Passed) -> dict[str, str]:
        return programme_name(self, passed.programme)

    def get_reason(self, passed: Passed) -> dict[str, str]:
        return both(passed.reason)


class BenefitMonthOutput(serializers.Serializer[Any]):
    month = serializers.DateField()
    total = money(help_text=_lazy("本月应发合计（元）"))
    paid = BenefitEntitlementOutput(many=True)
    passed = BenefitPassedOutput(many=True)


class PaymentTransferOutput(serializers.Serializer[Any]):
    reference = serializers.CharField()
    month = serializers.DateField(source="cycle.month", help_text=_lazy("名册月份"))
    cycle_status = serializers.CharField(source="cycle.status")
    amount = money()
    status = serializers.CharField(help_text=_lazy("pending、paid、failed 或 held"))
    hold_reason = serializers.CharField()
    failure_reason = serializers.CharField()
    account_masked = serializers.SerializerMethodField()
    lines = PaymentLineOutput(many=True, source="lines.all")

    def get_account_masked(self, transfer: Transfer) -> str:
        return f"**** **** **** {transfer.account_last4}" if transfer.account_last4 else ""


class ChildBenefitsOutput(serializers.Serializer[Any]):
    child_id = serializers.IntegerField()
    this_month = BenefitMonthOutput()
    enrolments = EnrolmentOutput(many=True)
    account = PayeeAccountOutput(allow_null=True, help_text=_lazy("收款账户（只显示后四位）"))
    transfers = PaymentTransferOutput(
        many=True, help_text=_lazy("发放记录，最近的在前（最多 36 笔）")
    )
    aid_grants = AidGrantOutput(many=True)
    overpayments = OverpaymentOutput(many=True)


class PayeeAccountInput(serializers.Serializer[Any]):
    holder_kind = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_lazy("guardian（监护人）或 institution（养育机构）"),
    )
    holder_name = serializers.CharField(required=False, allow_blank=True, default="")
    bank_name = serializers.CharField(required=False, allow_blank=True, default="")
    account_number = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        write_only=True,
        help_text=_lazy("12 到 30 位数字（可以有空格）；不会在任何响应中返回"),
    )
    version = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_lazy("读取时现有账户的版本号；原来没有账户时为 null"),
    )


class AidGrantInput(serializers.Serializer[Any]):
    programme = serializers.CharField(required=False, allow_blank=True, default="")
    amount = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_lazy("金额（元），如 500.50")
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    decided_on = serializers.DateField(required=False, allow_null=True, default=None)
    pay_month = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_lazy("发放月份，如 2026-03")
    )


class AidCancelInput(serializers.Serializer[Any]):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


# -- endpoints ---------------------------------------------------------------------------------
class ChildBenefitsApi(GenericAPIView[PayeeAccount]):
    serializer_class = ChildBenefitsOutput

    @extend_schema(
        operation_id="benefits_child",
        parameters=[OpenApiParameter("month", str, description="2026-03")],
        responses={200: ChildBenefitsOutput, 404: RefusalOutput},
    )
    def get(self, request: Request, child_id: int) -> Response:
        child = access_benefit_child_by_id(request.user, child_id)
        text = str(request.query_params.get("month", "")).strip()
        try:
            month = parse_month(text) if text else None
        except ValueError:
            raise ValidationFailed({"month": [_("请按 年-月 填写月份，例如 2026-03")]}) from None
        record = child_benefit_record(child=child, month=month)
        body = {
            "child_id": child.pk,
            "this_month": {
                "month": record.month,
                "total": record.entitlements.total,
                "paid": record.entitlements.paid,
                "passed": record.entitlements.passed,
            },
            "enrolments": record.enrolments,
            "account": record.account,
            "transfers": record.transfers,
            "aid_grants": record.aid_grants,
            "overpayments": record.overpayments,
        }
        response = Response(ChildBenefitsOutput(body).data)
        response["Cache-Control"] = "private, no-store"
        return response


class AccountApi(GenericAPIView[PayeeAccount]):
    serializer_class = PayeeAccountOutput

    @extend_schema(
        operation_id="benefits_account_save",
        request=PayeeAccountInput,
        responses={200: PayeeAccountOutput, **WITH_CONFLICT},
    )
    def put(self, request: Request, child_id: int) -> Response:
        child = access_benefit_child_by_id(request.user, child_id)
        data = validated_input(PayeeAccountInput(data=request.data))
        version = data.pop("version")
        account = save_account(
            actor=request_user(request), child=child, expected_version=version, **data
        )
        return Response(PayeeAccountOutput(account).data)


class AidGrantsApi(GenericAPIView[AidGrant]):
    serializer_class = AidGrantOutput

    @extend_schema(
        operation_id="benefits_aid_grant",
        request=AidGrantInput,
        responses={201: AidGrantOutput, **REFUSALS},
    )
    def post(self, request: Request, child_id: int) -> Response:
        child = access_benefit_child_by_id(request.user, child_id)
        data = validated_input(AidGrantInput(data=request.data))
        text = data.pop("pay_month").strip()
        try:
            pay_month = parse_month(text) if text else None
        except ValueError:
            raise ValidationFailed(
                {"pay_month": [_("请按 年-月 填写发放月份，例如 2026-03")]}
            ) from None
        grant = grant_aid(actor=request_user(request), child=child, pay_month=pay_month, **data)
        return Response(AidGrantOutput(grant).data, status=status.HTTP_201_CREATED)


class AidCancelApi(GenericAPIView[AidGrant]):
    serializer_class = AidGrantOutput

    @extend_schema(
        operation_id="benefits_aid_cancel",
        request=AidCancelInput,
        responses={200: AidGrantOutput, **REFUSALS},
    )
    def post(self, request: Request, grant_id: int) -> Response:
        grant = access_aid_grant_by_id(request.user, grant_id)
        data = validated_input(AidCancelInput(data=request.data))
        done = cancel_aid(actor=request_user(request), grant=grant, reason=data["reason"])
        return Response(AidGrantOutput(done).data)


urlpatterns: list[URLPattern | URLResolver] = [
    path("children/<int:child_id>/benefits/", ChildBenefitsApi.as_view(), name="child-benefits"),
    path(
        "children/<int:child_id>/benefits/account/",
        AccountApi.as_view(),
        name="child-benefits-account",
    ),
    path(
        "children/<int:child_id>/benefits/aid-grants/",
        AidGrantsApi.as_view(),
        name="child-benefits-aid-grants",
    ),
    path(
        "benefits/aid-grants/<int:grant_id>/cancel/",
        AidCancelApi.as_view(),
        name="benefits-aid-grant-cancel",
    ),
]
