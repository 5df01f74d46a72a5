"""The shapes of the compulsory report API (hehu.protection.api.reports, DOMAIN.md §8):
what a caller sends and what comes back, with the refusals. No output carries the
reporter's identity except `ReporterOutput` (the reveal, for a stated reason).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _lazy
from rest_framework import serializers

from hehu.protection.models import Report, ReporterKind, Situation
from hehu.registry.serializers import RefusalOutput


def _choices(choices: Any) -> str:
    return "；".join(f"{value}={label}" for value, label in choices)


# -- shapes ------------------------------------------------------------------------------------
class ReportFileInput(serializers.Serializer[Any]):
    reporter_kind = serializers.CharField(
        allow_blank=True,
        default="",
        help_text=_lazy("报告人类别：") + _choices(ReporterKind.choices),
    )
    anonymous = serializers.BooleanField(
        default=False, help_text=_lazy("匿名报告（仅限 public：其他单位或个人）")
    )
    reporter_name = serializers.CharField(allow_blank=True, default="", max_length=50)
    reporter_unit = serializers.CharField(allow_blank=True, default="", max_length=100)
    reporter_phone = serializers.CharField(
        allow_blank=True,
        default="",
        max_length=20,
        help_text=_lazy("报告人身份严格保密，只向处理报告的部门因工作需要披露，每次查看都有记录"),
    )
    child_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_lazy("已登记儿童的档案编号（登录后，仅限管辖范围内的儿童）"),
    )
    child_description = serializers.CharField(
        allow_blank=True,
        default="",
        max_length=500,
        help_text=_lazy("儿童是谁：姓名或称呼、外貌、就读学校等（未选择已登记儿童时必填）"),
    )
    child_sex = serializers.CharField(
        allow_blank=True, default="", help_text=_lazy("female、male 或留空（不清楚）")
    )
    child_age = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text=_lazy("大约几岁（0–17）")
    )
    region_code = serializers.CharField(
        allow_blank=True, default="", help_text=_lazy("发生地村（社区）的 12 位区划代码")
    )
    place = serializers.CharField(allow_blank=True, default="", max_length=200)
    observed_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_lazy("发现日期 YYYY-MM-DD，不晚于今天"),
        error_messages={"invalid": _lazy("请按 YYYY-MM-DD 填写发现日期，例如 2026-03-05。")},
    )
    situations = serializers.ListField(
        child=serializers.CharField(),
        default=list,
        help_text=_lazy("发现的情形（可多选）：") + _choices(Situation.choices),
    )
    school_matter = serializers.BooleanField(default=False, help_text=_lazy("涉及学校"))
    immediate_danger = serializers.BooleanField(
        default=False, help_text=_lazy("儿童正面临危险（情况紧急请立即拨打 110）")
    )
    account = serializers.CharField(
        allow_blank=True,
        default="",
        trim_whitespace=False,
        help_text=_lazy("看到或听到了什么（不超过 4000 字）"),
    )
    client_token = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        default=None,
        max_length=64,
        help_text=_lazy("每次填写生成一次的标识：重发同一标识返回第一次的报告，不会重复提交"),
    )


class ReportReceiptOutput(serializers.Serializer[Any]):
    number = serializers.CharField(help_text=_lazy("报告编号"))
    received_at = serializers.DateTimeField(help_text=_lazy("接收时间"))
    next_steps = serializers.CharField(help_text=_lazy("接下来会怎样"))
    call_110 = serializers.BooleanField(help_text=_lazy("儿童正面临危险：请立即拨打 110"))


class ReportFiledOutput(ReportReceiptOutput):
    id = serializers.IntegerField()


class ReportRouteOutput(serializers.Serializer[Any]):
    department = serializers.CharField()
    region_code = serializers.CharField()
    routed_at = serializers.DateTimeField()
    accepted_at = serializers.DateTimeField(allow_null=True)
    feedback_due_at = serializers.DateTimeField(
        allow_null=True, help_text=_lazy("公安机关向报告单位反馈的期限")
    )
    feedback_at = serializers.DateTimeField(allow_null=True)
    feedback = serializers.CharField()
    overdue = serializers.BooleanField(help_text=_lazy("反馈已逾期"))


class ReportListOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    number = serializers.CharField()
    received_at = serializers.DateTimeField()
    situations = serializers.ListField(child=serializers.CharField())
    county_code = serializers.CharField(help_text=_lazy("县级区划代码（12 位）"))
    registered_child = serializers.BooleanField(help_text=_lazy("已登记儿童（列表不显示姓名）"))
    immediate_danger = serializers.BooleanField()
    status = serializers.CharField(help_text=_choices(Report.Status.choices))
    my_route = ReportRouteOutput(allow_null=True, help_text=_lazy("本部门的分派与办理"))


class ReportDetailOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    number = serializers.CharField()
    received_at = serializers.DateTimeField()
    status = serializers.CharField(help_text=_choices(Report.Status.choices))
    finding = serializers.CharField(help_text=_choices(Report.Finding.choices))
    anonymous = serializers.BooleanField()
    child_id = serializers.IntegerField(allow_null=True)
    child_description = serializers.CharField()
    child_sex = serializers.CharField()
    child_age = serializers.IntegerField(allow_null=True)
    region_code = serializers.CharField()
    place = serializers.CharField()
    observed_on = serializers.DateField()
    situations = serializers.ListField(child=serializers.CharField())
    account = serializers.CharField()
    school_matter = serializers.BooleanField()
    immediate_danger = serializers.BooleanField()
    routed_at = serializers.DateTimeField(allow_null=True)
    routes = ReportRouteOutput(many=True)


class ReportFeedbackInput(serializers.Serializer[Any]):
    feedback = serializers.CharField(
        allow_blank=True, default="", help_text=_lazy("向报告单位反馈的处理情况")
    )


class ReportFindingInput(serializers.Serializer[Any]):
    finding = serializers.CharField(
        allow_blank=True,
        default="",
        help_text=_lazy("核查结论：substantiated=情况属实；not_substantiated=未发现侵害"),
    )


class ReportLinkChildInput(serializers.Serializer[Any]):
    child_id = serializers.IntegerField(help_text=_lazy("儿童档案编号（您管辖范围内）"))


class ReporterRevealInput(serializers.Serializer[Any]):
    reason = serializers.CharField(
        allow_blank=True, default="", max_length=500, help_text=_lazy("查看理由（记入审计记录）")
    )


class ReporterOutput(serializers.Serializer[Any]):
    anonymous = serializers.BooleanField()
    kind = serializers.CharField(help_text=_choices(ReporterKind.choices))
    name = serializers.CharField()
    unit = serializers.CharField()
    phone = serializers.CharField()


REFUSALS: dict[int, Any] = {
    400: RefusalOutput,
    403: RefusalOutput,
    404: RefusalOutput,
    409: RefusalOutput,
}
