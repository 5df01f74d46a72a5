"""Home visits (34号: child directors visit priority children regularly)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Visit(models.Model):
    """A visit that is due (scheduled) and, once made, what the director found."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("待走访")
        DONE = "done", _("已走访")
        CANCELLED = "cancelled", _("已取消")

    class Conditions(models.TextChoices):
        GOOD = "good", _("良好")
        FAIR = "fair", pgettext_lazy("living conditions", "一般")
        POOR = "poor", _("较差")

    class Safety(models.TextChoices):
        SAFE = "safe", _("安全")
        CONCERN = "concern", _("有隐患")
        DANGER = "danger", _("有危险")

    class Schooling(models.TextChoices):
        ATTENDING = "attending", _("正常上学")
        IRREGULAR = "irregular", _("不规律")
        OUT_OF_SCHOOL = "out_of_school", _("失学辍学")
        NOT_APPLICABLE = "not_applicable", _("不适用")

    class Support(models.TextChoices):
        REACHED = "reached", _("已到达儿童")
        PARTLY = "partly", _("部分到达")
        NOT_REACHED = "not_reached", _("未到达儿童")

    class Health(models.TextChoices):
        GOOD = "good", _("良好")
        ILL = "ill", _("患病")
        NEEDS_CARE = "needs_care", _("需要照料或治疗")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="visits")
    due_on = models.DateField(_("应访日期"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    # Why the schedule is what it is: "monthly: guardianship grade absent" (zh/en texts).
    schedule_reason = models.JSONField(_("频次依据"), default=dict, blank=True)
    visited_on = models.DateField(_("走访日期"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("走访人"),
    )
    recorded_at = models.DateTimeField(_("记录时间"), null=True, blank=True)
    child_seen = models.BooleanField(_("见到儿童本人"), null=True, blank=True)
    not_seen_reason = models.CharField(_("未见到的原因"), max_length=200, blank=True)
    living_conditions = models.CharField(
        _("生活状况"), max_length=8, choices=Conditions.choices, blank=True
    )
    safety = models.CharField(_("安全状况"), max_length=8, choices=Safety.choices, blank=True)
    schooling = models.CharField(
        _("就学状况"), max_length=16, choices=Schooling.choices, blank=True
    )
    health = models.CharField(_("健康状况"), max_length=12, choices=Health.choices, blank=True)
    notes = models.TextField(_("走访记录"), blank=True)
    # Verification of fund use (DOMAIN.md §5): did the cash and in-kind support the child
    # receives reach the child? Blank when the child receives none or it was not checked.
    support_reached = models.CharField(
        _("待遇是否到达儿童"), max_length=12, choices=Support.choices, blank=True
    )
    support_note = models.CharField(_("待遇核实情况"), max_length=300, blank=True)
    # Sent by the phone with the form: a retried submit on a weak connection is recognised
    # and not recorded twice.
    client_token = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("走访")
        verbose_name_plural = _("走访")
        ordering = ["-due_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status="scheduled"),
                name="visit_one_scheduled_per_case",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} visit {self.due_on}"


def visit_photo_path(instance: VisitPhoto, filename: str) -> str:
    return f"visits/{instance.visit.case_id}/{instance.visit_id}/{filename}"


class VisitPhoto(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("照片"), upload_to=visit_photo_path)
    content_type = models.CharField(max_length=40, blank=True)
    size = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("走访照片")
        verbose_name_plural = _("走访照片")

    def __str__(self) -> str:
        return f"{self.visit} photo {self.pk}"
