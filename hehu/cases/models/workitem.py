"""Work items: everything someone must do by a date, in one table, so that a work list is
one indexed range scan and the nightly sweep is a few set-based updates.

A work item belongs to the region where the work is done (`region_code`: always 12 digits
— a village's code, or a township's or county's code padded with zeros, so that it falls
inside the township's and county's ranges but in no village's) and to the level that must
act first (`origin_level`). When it is overdue beyond the grace period it escalates one level up
(`level`), and again after each further grace period, up to the city; both the original
level and the level it reached see it on their work lists.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    VILLAGE = "village", _("村（社区）")
    TOWNSHIP = "township", _("乡镇（街道）")
    COUNTY = "county", _("县（区）")
    CITY = "city", _("市")
    PROVINCE = "province", _("省")


LEVEL_ORDER = [Level.VILLAGE, Level.TOWNSHIP, Level.COUNTY, Level.CITY, Level.PROVINCE]
# How many digits of a region code name the body at each level.
LEVEL_DIGITS = {
    Level.VILLAGE: 12,
    Level.TOWNSHIP: 9,
    Level.COUNTY: 6,
    Level.CITY: 4,
    Level.PROVINCE: 2,
}


class WorkItem(models.Model):
    class Kind(models.TextChoices):
        VISIT = "visit", _("入户走访")
        ASSESSMENT = "assessment", _("完成评估")
        PLAN = "plan", _("制定服务计划")
        PLAN_REVIEW = "plan_review", _("审核服务计划")
        PLAN_APPROVAL = "plan_approval", _("审批服务计划")
        PLAN_RENEWAL = "plan_renewal", _("复核服务计划")
        RECOGNITION_FORWARD = "recognition_forward", _("转交认定材料")
        RECOGNITION_VERIFY = "recognition_verify", _("乡镇核查认定申请")
        RECOGNITION_DECIDE = "recognition_decide", _("县级审核认定申请")
        RECOGNITION_NOTIFY = "recognition_notify", _("告知申请人")
        GUARDIANSHIP_ABSENT = "guardianship_absent", _("处置监护缺失")
        # Protection (hehu.protection): reports, temporary care, the intervention ladder.
        REPORT_POLICE = "report_police", _("受理强制报告并反馈")
        REPORT_CIVIL = "report_civil", _("核查强制报告涉及儿童处境")
        REPORT_EDUCATION = "report_education", _("处置涉校强制报告")
        REPORT_ROUTING = "report_routing", _("分派未能自动送达的报告")
        PLACEMENT_FOLLOWUP = "placement_followup", _("临时监护安置回访")
        ORDER_DECISION = "order_decision", _("人身安全保护令裁定")
        ORDER_EXPIRY = "order_expiry", _("人身安全保护令到期复查")
        REVOCATION_PETITION = "revocation_petition", _("申请撤销监护人资格")
        # Benefits (hehu.benefits): supervision of fund use.
        BENEFIT_ANOMALY = "benefit_anomaly", _("核查资金发放异常")

    class Status(models.TextChoices):
        OPEN = "open", _("待办")
        DONE = "done", _("已完成")
        CANCELLED = "cancelled", _("已取消")

    kind = models.CharField(_("事项"), max_length=24, choices=Kind.choices)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default="open")
    region_code = models.CharField(_("区划代码"), max_length=12)
    origin_level = models.CharField(_("责任层级"), max_length=8, choices=Level.choices)
    level = models.CharField(_("当前层级"), max_length=8, choices=Level.choices)
    # The department that must act: civil affairs for casework; public security, education
    # or a court for protection matters routed to them (hehu.accounts.models.Department).
    department = models.CharField(_("责任部门"), max_length=20, default="civil_affairs")
    due_on = models.DateField(_("截止日期"))
    # For clocks counted in hours (a court's 72 or 24 hours, police feedback in 3 days from
    # the report's timestamp): the moment it is due; `due_on` is its date.
    due_at = models.DateTimeField(_("截止时间"), null=True, blank=True)
    # True when the due date was counted over a year the working-day calendar does not
    # cover (weekends only): it is shown as provisional until that year's notice is added.
    provisional = models.BooleanField(_("暂定"), default=False)
    # The rule that set the date, in both languages: {"zh": "...", "en": "..."}.
    rule = models.JSONField(_("依据"), default=dict, blank=True)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="work_items"
    )
    application = models.ForeignKey(
        "cases.RecognitionApplication",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="work_items",
    )
    # Null only for a report about a child not (yet) identified in the registry.
    child = models.ForeignKey(
        "registry.Child",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
    )
    # The thing to act on (a visit, an assessment, a plan, an application).
    object_type = models.CharField(max_length=24)
    object_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("待办事项")
        verbose_name_plural = _("待办事项")
        ordering = ["due_on", "id"]
        indexes = [
            # Covering (PostgreSQL; ignored where unsupported): a work list's counts by
            # kind are an index-only scan, however scattered the county's rows are.
            models.Index(
                fields=["origin_level", "region_code", "due_on"],
                include=["kind", "level", "department"],
                condition=Q(status="open"),
                name="workitem_open_origin_dept",
            ),
            models.Index(
                fields=["level", "region_code", "due_on"],
                include=["kind", "origin_level", "department"],
                condition=Q(status="open"),
                name="workitem_open_level_dept",
            ),
            models.Index(fields=["due_on"], condition=Q(status="open"), name="workitem_open_due"),
            models.Index(fields=["object_type", "object_id"], name="workitem_object"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.region_code} {self.due_on}"


class Escalation(models.Model):
    """One step up the hierarchy for an overdue item (the sweep writes these in bulk)."""

    item = models.ForeignKey(WorkItem, on_delete=models.CASCADE, related_name="escalations")
    from_level = models.CharField(max_length=8, choices=Level.choices)
    to_level = models.CharField(max_length=8, choices=Level.choices)
    at = models.DateTimeField(_("时间"))
    days_overdue = models.PositiveIntegerField(_("逾期工作日"))

    class Meta:
        verbose_name = _("逾期升级")
        verbose_name_plural = _("逾期升级")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.from_level}→{self.to_level}"
