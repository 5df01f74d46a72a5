"""Accounts: each person has one role, a department or organisation, and jurisdictions."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    VILLAGE_DIRECTOR = "village_director", _("儿童主任")
    TOWNSHIP_SUPERVISOR = "township_supervisor", _("儿童督导员")
    COUNTY_CIVIL_AFFAIRS = "county_civil_affairs", _("县级民政干部")
    DEPARTMENT_OFFICER = "department_officer", _("县级部门干部")
    SOCIAL_WORKER = "social_worker", _("社会组织社工")
    CITY_ANALYST = "city_analyst", _("市级分析员")
    PROVINCE_ANALYST = "province_analyst", _("省级分析员")
    NATIONAL_ANALYST = "national_analyst", _("国家级分析员")
    ADMIN = "admin", _("系统管理员")


class Department(models.TextChoices):
    CIVIL_AFFAIRS = "civil_affairs", _("民政")
    EDUCATION = "education", _("教育")
    PUBLIC_SECURITY = "public_security", _("公安")
    HEALTH = "health", _("卫生健康")
    JUSTICE = "justice", _("司法")
    WOMENS_FEDERATION = "womens_federation", _("妇联")
    YOUTH_LEAGUE = "youth_league", _("共青团")
    DISABLED_FEDERATION = "disabled_federation", _("残联")
    HUMAN_RESOURCES = "human_resources", _("人力资源社会保障")
    PROCURATORATE = "procuratorate", _("检察院")
    COURT = "court", _("法院")
    OTHER = "other", _("其他")


class Organisation(models.Model):
    """A social organisation contracted by government to deliver services."""

    name = models.CharField(_("名称"), max_length=200, unique=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("社会组织")
        verbose_name_plural = _("社会组织")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    department = models.CharField(_("部门"), max_length=32, choices=Department.choices, blank=True)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    full_name = models.CharField(_("姓名"), max_length=100, blank=True)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    # Optimistic locking: two administrators editing one account cannot overwrite each other.
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("账号")
        verbose_name_plural = _("账号")

    def __str__(self) -> str:
        return self.full_name or self.username

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        # Jurisdictions may have changed too: drop the cached prefixes with the fields.
        self.__dict__.pop("_prefixes", None)
        super().refresh_from_db(*args, **kwargs)

    @property
    def prefixes(self) -> list[str]:
        """Region code prefixes this account may see (cached per instance)."""
        cached: list[str] | None = getattr(self, "_prefixes", None)
        if cached is None:
            cached = sorted(j.prefix for j in self.jurisdictions.all())
            self._prefixes = cached
        return cached


class Jurisdiction(models.Model):
    """One region whose subtree a user may see; the national level is the empty prefix."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="jurisdictions")
    prefix = models.CharField(_("区划代码前缀"), max_length=12, blank=True)
    region = models.ForeignKey(
        "regions.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "prefix"], name="unique_user_prefix")
        ]
        verbose_name = _("管辖范围")
        verbose_name_plural = _("管辖范围")

    def __str__(self) -> str:
        return self.prefix or "national"
