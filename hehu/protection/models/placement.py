"""Emergency removal, temporary (or long-term) guardianship by civil affairs and where the
child lives meanwhile (MPL arts. 92–94; DOMAIN.md §7, §8).

A county keeps a register of places (foster families, rescue-protection and welfare
institutions) with their capacity; a placement over capacity needs a written reason. A
placement ends by return to the guardian only after a civil-affairs assessment that the
guardian can care again has been recorded.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Ground(models.TextChoices):
    """The seven grounds for temporary guardianship by civil affairs (MPL art. 92)."""

    WANDERING_OR_UNIDENTIFIED = (
        "wandering_or_unidentified",
        _("流浪乞讨或者身份不明，暂时查找不到父母或者其他监护人"),
    )
    GUARDIAN_MISSING = "guardian_missing", _("监护人下落不明且无其他人可以担任监护人")
    GUARDIAN_UNABLE = (
        "guardian_unable",
        _("监护人因自身客观原因或者突发事件不能履行监护职责，导致未成年人监护缺失"),
    )
    GUARDIAN_NEGLECTS = (
        "guardian_neglects",
        _("监护人拒绝或者怠于履行监护职责，导致未成年人处于无人照料的状态"),
    )
    USED_FOR_OFFENCES = (
        "used_for_offences",
        _("监护人教唆、利用未成年人实施违法犯罪行为，未成年人需要被带离安置"),
    )
    HARMED_BY_GUARDIAN = (
        "harmed_by_guardian",
        _("未成年人遭受监护人严重伤害或者面临人身安全威胁，需要被紧急安置"),
    )
    OTHER_LEGAL = "other_legal", _("法律规定的其他情形")


class RemovingBody(models.TextChoices):
    PUBLIC_SECURITY = "public_security", _("公安机关")
    CIVIL_AFFAIRS = "civil_affairs", _("民政部门")
    VILLAGE_COMMITTEE = "village_committee", _("居民委员会、村民委员会")
    OTHER = "other", _("其他")


class CareFacility(models.Model):
    """A place in the county's placement register, with its capacity."""

    class Kind(models.TextChoices):
        FOSTER_FAMILY = "foster_family", _("寄养家庭")
        PROTECTION_CENTRE = "protection_centre", _("未成年人救助保护机构")
        WELFARE_INSTITUTION = "welfare_institution", _("儿童福利机构")

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    # The county's code padded to 12 digits: the register is per county.
    region_code = models.CharField(_("所在县（区）"), max_length=12)
    capacity = models.PositiveSmallIntegerField(_("床位（可安置人数）"))
    active = models.BooleanField(_("在用"), default=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("安置场所")
        verbose_name_plural = _("安置场所")
        ordering = ["region_code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region_code", "name"], name="facility_name_in_county")
        ]

    def __str__(self) -> str:
        return self.name


class Removal(models.Model):
    """An emergency removal of a child and the ground for temporary guardianship."""

    child = models.ForeignKey(
        "registry.Child", on_delete=models.PROTECT, related_name="protection_removals"
    )
    report = models.ForeignKey(
        "protection.Report", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    removed_at = models.DateTimeField(_("带离时间"))
    removed_by_body = models.CharField(_("带离单位"), max_length=20, choices=RemovingBody.choices)
    removed_by_name = models.CharField(_("带离人员"), max_length=100)
    ground = models.CharField(_("临时监护情形"), max_length=30, choices=Ground.choices)
    circumstances = models.TextField(_("情况说明"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"))

    class Meta:
        verbose_name = _("紧急带离")
        verbose_name_plural = _("紧急带离")
        ordering = ["-removed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.child_id} {self.removed_at:%Y-%m-%d}"


class Placement(models.Model):
    """Where a child in temporary or long-term care lives, from a date to a date."""

    class Kind(models.TextChoices):
        KINSHIP = "kinship", _("委托亲属抚养")
        FOSTER_FAMILY = "foster_family", _("家庭寄养")
        INSTITUTION = "institution", _("救助保护机构或儿童福利机构收留抚养")

    class Guardianship(models.TextChoices):
        TEMPORARY = "temporary", _("临时监护")
        LONG_TERM = "long_term", _("长期监护")

    class EndReason(models.TextChoices):
        RETURNED = "returned", _("返还监护人")
        MOVED = "moved", _("转至其他安置")
        LONG_TERM = "long_term", _("转为长期监护")
        ADOPTED = "adopted", _("被收养")
        ADULT = "adult", _("年满十八周岁")
        OTHER = "other", _("其他")

    child = models.ForeignKey(
        "registry.Child", on_delete=models.PROTECT, related_name="protection_placements"
    )
    removal = models.ForeignKey(
        Removal, null=True, blank=True, on_delete=models.PROTECT, related_name="placements"
    )
    kind = models.CharField(_("安置方式"), max_length=20, choices=Kind.choices)
    guardianship = models.CharField(
        _("监护类型"), max_length=10, choices=Guardianship.choices, default=Guardianship.TEMPORARY
    )
    facility = models.ForeignKey(
        CareFacility, null=True, blank=True, on_delete=models.PROTECT, related_name="placements"
    )
    carer_name = models.CharField(_("照料人"), max_length=100, blank=True)
    carer_relation = models.CharField(_("与儿童关系"), max_length=40, blank=True)
    # The county responsible (12 digits padded), where the register is kept.
    region_code = models.CharField(_("负责县（区）"), max_length=12)
    started_on = models.DateField(_("安置日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    end_reason = models.CharField(
        _("结束原因"), max_length=12, choices=EndReason.choices, blank=True
    )
    over_capacity_reason = models.TextField(_("超出床位的理由"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("安置")
        verbose_name_plural = _("安置")
        ordering = ["-started_on", "-id"]
        constraints = [
            # One current placement per child.
            models.UniqueConstraint(
                fields=["child"], condition=Q(ended_on__isnull=True), name="one_current_placement"
            )
        ]
        indexes = [
            models.Index(
                fields=["facility"], condition=Q(ended_on__isnull=True), name="placement_current"
            )
        ]

    def __str__(self) -> str:
        return f"{self.child_id} {self.kind} {self.started_on}"


class ReturnAssessment(models.Model):
    """Civil affairs' assessment of whether the guardian can care for the child again
    (MPL art. 93): a return to the guardian needs one that says yes."""

    placement = models.ForeignKey(
        Placement, on_delete=models.CASCADE, related_name="return_assessments"
    )
    assessed_on = models.DateField(_("评估日期"))
    guardian_can_care = models.BooleanField(_("监护人能够重新履行监护职责"))
    findings = models.TextField(_("评估意见"))
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("返还监护评估")
        verbose_name_plural = _("返还监护评估")
        ordering = ["assessed_on", "id"]

    def __str__(self) -> str:
        return f"{self.placement_id} {self.assessed_on}"
