"""Compulsory reports (强制报告) and the queues they are routed to (DOMAIN.md §8).

A report is saved first, on its own, with its reference and timestamp; routing to the
county's public-security, civil-affairs and (for school matters) education queues comes
after, and is retried until it succeeds (`routed_at` stays null until then). The
reporter's identity is stored encrypted and shown only for a stated reason.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Situation(models.TextChoices):
    """The nine reportable situations (强制报告制度意见 art. 4)."""

    GENITAL_INJURY = "genital_injury", _("生殖器官或隐私部位遭受或疑似遭受非正常损伤")
    UNDER_14_SEXUAL = (
        "under_14_sexual",
        _("不满十四周岁的女性未成年人遭受或疑似遭受性侵害、怀孕、流产"),
    )
    OVER_14_PREGNANCY = (
        "over_14_pregnancy",
        _("十四周岁以上的女性未成年人怀孕、流产，系遭受或疑似遭受性侵害所致"),
    )
    SERIOUS_INJURY = (
        "serious_injury",
        _("多处损伤、严重营养不良、意识不清，存在或疑似存在家庭暴力、欺凌、虐待、殴打或被人麻醉"),
    )
    SELF_HARM_OR_DEATH = (
        "self_harm_or_death",
        _("因自杀、自残、工伤、中毒、被人麻醉、殴打等非正常原因导致伤残、死亡"),
    )
    ABANDONED = "abandoned", _("疑似遭受遗弃、长期无人照料")
    MISSING_OR_TRAFFICKED = "missing_or_trafficked", _("来源不明、失踪或者被拐卖、收买")
    ORGANISED_BEGGING = "organised_begging", _("被组织乞讨")
    OTHER_SERIOUS = "other_serious", _("其他严重侵害或面临不法侵害危险")


class ReporterKind(models.TextChoices):
    """Who reports: the mandated reporters of DOMAIN.md §8, or anyone else."""

    STATE_ORGAN = "state_organ", _("国家机关及其工作人员")
    VILLAGE_COMMITTEE = "village_committee", _("居民委员会、村民委员会")
    SCHOOL = "school", _("学校")
    KINDERGARTEN = "kindergarten", _("幼儿园")
    TRAINING = "training", _("校外培训机构、托管机构、活动场所")
    SCHOOL_BUS = "school_bus", _("校车服务提供者")
    NURSERY = "nursery", _("托育机构")
    HOSPITAL = "hospital", _("医院、卫生院、诊所")
    WELFARE = "welfare", _("儿童福利、救助管理、未成年人保护、社会工作服务机构")
    HOTEL = "hotel", _("旅店、宾馆")
    PUBLIC = "public", _("其他单位或个人")


# Reporters whose report concerns a school matter: education is routed in parallel.
SCHOOL_REPORTERS = frozenset(
    {
        ReporterKind.SCHOOL,
        ReporterKind.KINDERGARTEN,
        ReporterKind.TRAINING,
        ReporterKind.SCHOOL_BUS,
        ReporterKind.NURSERY,
    }
)


class Report(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", _("已接收")
        ACCEPTED = "accepted", _("已受理")
        CLOSED = "closed", _("已办结")

    class Finding(models.TextChoices):
        PENDING = "pending", _("待核查")
        SUBSTANTIATED = "substantiated", _("情况属实")
        NOT_SUBSTANTIATED = "not_substantiated", _("未发现侵害")

    received_at = models.DateTimeField(_("接收时间"))
    reporter_kind = models.CharField(_("报告人类别"), max_length=20, choices=ReporterKind.choices)
    anonymous = models.BooleanField(_("匿名"), default=False)
    # Encrypted (hehu.core.crypto); blank when anonymous.
    reporter_name_encrypted = models.TextField(blank=True)
    reporter_unit_encrypted = models.TextField(blank=True)
    reporter_phone_encrypted = models.TextField(blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The child: a registered file, or a description when the child is not known.
    child = models.ForeignKey(
        "registry.Child",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="protection_reports",
    )
    child_description = models.TextField(_("儿童情况描述"), blank=True)
    child_sex = models.CharField(_("性别"), max_length=6, blank=True)
    child_age = models.PositiveSmallIntegerField(_("年龄（岁）"), null=True, blank=True)
    # Where it was seen: a village or community code (12 digits); the county of it routes.
    region_code = models.CharField(_("发生地区划代码"), max_length=12)
    place = models.CharField(_("具体地点"), max_length=200, blank=True)
    situations = models.JSONField(_("情形"), default=list)
    observed_on = models.DateField(_("发现日期"))
    account = models.TextField(_("发现的情况"))
    school_matter = models.BooleanField(_("涉及学校"), default=False)
    immediate_danger = models.BooleanField(_("儿童正面临危险"), default=False)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.RECEIVED
    )
    finding = models.CharField(
        _("核查结论"), max_length=20, choices=Finding.choices, default=Finding.PENDING
    )
    finding_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    finding_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Routing: null until the routes exist; each failed attempt is counted and kept.
    routed_at = models.DateTimeField(_("分派时间"), null=True, blank=True)
    routing_attempts = models.PositiveSmallIntegerField(default=0)
    routing_error = models.TextField(blank=True)
    # A retried submit (weak connection) with the same token returns the first report.
    client_token = models.CharField(max_length=64, null=True, blank=True, unique=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("强制报告")
        verbose_name_plural = _("强制报告")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["region_code", "received_at"], name="report_region_received"),
            models.Index(
                fields=["received_at"], condition=Q(routed_at__isnull=True), name="report_unrouted"
            ),
        ]

    def __str__(self) -> str:
        return f"P{self.pk:06d}"

    @property
    def number(self) -> str:
        """The reference a reporter is given: P and six digits."""
        return str(self)


class ReportRoute(models.Model):
    """A report in one department's queue of one county, with that department's steps."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="routes")
    department = models.CharField(_("部门"), max_length=20)
    # The county's code padded to 12 digits (like a county's work item).
    region_code = models.CharField(_("区划代码"), max_length=12)
    routed_at = models.DateTimeField(_("送达时间"))
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Police: feedback to the reporting unit within 3 days (DOMAIN.md §8).
    feedback_due_at = models.DateTimeField(_("反馈期限"), null=True, blank=True)
    feedback_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    feedback = models.TextField(_("反馈内容"), blank=True)
    feedback_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("报告分派")
        verbose_name_plural = _("报告分派")
        ordering = ["routed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["report", "department"], name="route_once_per_dept")
        ]
        indexes = [
            models.Index(fields=["department", "region_code", "routed_at"], name="route_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} → {self.department}"
