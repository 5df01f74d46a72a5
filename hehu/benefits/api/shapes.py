"""The shapes of benefit records on the API (output), shared by the benefit endpoints.

Names in both languages are {"zh-hans": …, "en": …}; an account only ever appears masked
(`account_masked`: the last four digits), never its number.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _lazy
from rest_framework import serializers

from hehu.benefits.models import AidGrant, Enrolment, Overpayment, PaymentLine
from hehu.benefits.selectors import category_labels, programme_labels
from hehu.registry.serializers import RefusalOutput

REFUSALS: dict[int, Any] = {400: RefusalOutput, 403: RefusalOutput, 404: RefusalOutput}
WITH_CONFLICT: dict[int, Any] = {**REFUSALS, 409: RefusalOutput}


def money(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


def both(text: Any) -> dict[str, str]:
    """A phrase in both languages, from a policy Text or a stored {"zh", "en"} dict."""
    if isinstance(text, dict):
        return {"zh-hans": str(text.get("zh", "")), "en": str(text.get("en", ""))}
    if text is None:
        return {"zh-hans": "", "en": ""}
    as_dict: dict[str, str] = text.as_dict()
    return as_dict


def _named(code: str, labels: dict[str, Any]) -> dict[str, str]:
    return both(labels[code]) if code in labels else {"zh-hans": code, "en": code}


def _labels(serializer: serializers.Serializer[Any], key: str, load: Any) -> dict[str, Any]:
    # Loaded once per response: the root serializer's context is shared by every row.
    context: Any = serializer.context
    if key not in context:
        context[key] = load()
    labels: dict[str, Any] = context[key]
    return labels


def programme_name(serializer: serializers.Serializer[Any], code: str) -> dict[str, str]:
    return _named(code, _labels(serializer, "programme_labels", programme_labels))


def category_name(serializer: serializers.Serializer[Any], code: str) -> dict[str, str]:
    return _named(code, _labels(serializer, "category_labels", category_labels))


def label_field(help_text: Any) -> serializers.DictField:
    return serializers.DictField(child=serializers.CharField(), help_text=help_text)


class EnrolmentOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    child_id = serializers.IntegerField()
    category = serializers.CharField()
    category_label = serializers.SerializerMethodField(help_text=_lazy("类别名称（中、英）"))
    county_code = serializers.CharField(help_text=_lazy("发放县（区）"))
    # "source" is also a Field attribute in the stubs; here it is the enrolment's origin.
    source = serializers.CharField(  # type: ignore[assignment]
        help_text=_lazy("recognition（认定批准）或 county（县级确认）")
    )
    confirmed_on = serializers.DateField()
    starts_month = serializers.DateField(help_text=_lazy("起始发放月份（该月 1 日）"))
    stops_month = serializers.DateField(
        allow_null=True, help_text=_lazy("停发月份（该月起不再发放）；发放中为 null")
    )
    stop_reason = serializers.CharField()
    changed_on = serializers.DateField(allow_null=True)
    change_recorded_on = serializers.DateField(allow_null=True)
    note = serializers.CharField()
    version = serializers.IntegerField()

    def get_category_label(self, enrolment: Enrolment) -> dict[str, str]:
        return category_name(self, enrolment.category)


class PayeeAccountOutput(serializers.Serializer[Any]):
    holder_kind = serializers.CharField()
    holder_name = serializers.CharField()
    bank_name = serializers.CharField()
    account_masked = serializers.CharField(
        source="masked", help_text=_lazy("只显示后四位，例如 **** **** **** 1234")
    )
    recorded_at = serializers.DateTimeField()
    version = serializers.IntegerField(help_text=_lazy("更换账户时传回此版本号"))


class PaymentLineOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    child_id = serializers.IntegerField()
    programme = serializers.CharField()
    programme_label = serializers.SerializerMethodField()
    service_month = serializers.DateField(help_text=_lazy("所属月份"))
    kind = serializers.CharField(help_text=_lazy("monthly、one_off、adjustment 或 recovery"))
    amount = money()
    standard_amount = money(allow_null=True)
    status = serializers.CharField()
    reasons = serializers.SerializerMethodField(help_text=_lazy("依据（中、英）"))

    def get_programme_label(self, line: PaymentLine) -> dict[str, str]:
        return programme_name(self, line.programme)

    def get_reasons(self, line: PaymentLine) -> list[dict[str, str]]:
        return [both(r) for r in line.reasons or []]


class AidGrantOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    child_id = serializers.IntegerField()
    programme = serializers.CharField()
    programme_label = serializers.SerializerMethodField()
    amount = money()
    pay_month = serializers.DateField()
    reason = serializers.CharField()
    decided_on = serializers.DateField()
    cancelled = serializers.BooleanField()

    def get_programme_label(self, grant: AidGrant) -> dict[str, str]:
        return programme_name(self, grant.programme)


class OverpaymentOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    child_id = serializers.IntegerField()
    county_code = serializers.CharField()
    programme = serializers.CharField()
    programme_label = serializers.SerializerMethodField()
    service_month = serializers.DateField()
    amount = money()
    recovered_amount = money()
    outstanding = money()
    reason = serializers.CharField()
    status = serializers.CharField(help_text=_lazy("open、recovered、waived 或 cancelled"))
    detected_on = serializers.DateField()
    closed_note = serializers.CharField()
    version = serializers.IntegerField()

    def get_programme_label(self, debt: Overpayment) -> dict[str, str]:
        return programme_name(self, debt.programme)
