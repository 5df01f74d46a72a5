"""In-kind supply (DOMAIN.md §5): the county's catalogue of items, its stock as a ledger of
movements, and what was handed to each child.

The stock of an item is the sum of its movements; `SupplyItem.stock` keeps that sum, changed
only by hehu.supply.services in the same transaction as the movement, under a row lock on
the item, and a check constraint keeps it from going below zero — so two officers cannot
hand out the last unit twice.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SupplyItem(models.Model):
    """One item of a county's catalogue (e.g. 轮椅, 营养包, 学习用品包) and its stock."""

    class Kind(models.TextChoices):
        REHABILITATION_AID = "rehabilitation_aid", _("康复辅具")
        NUTRITION = "nutrition", _("营养品")
        SCHOOL_SUPPLIES = "school_supplies", _("学习用品")
        DAILY_NECESSITIES = "daily_necessities", _("生活用品")
        OTHER = "other", _("其他")

    # The county's six-digit code (GB/T 2260): stock is kept per county.
    county_code = models.CharField(_("县（区）"), max_length=6)
    code = models.SlugField(_("物资编码"), max_length=40)
    name = models.CharField(_("名称"), max_length=60)
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    unit = models.CharField(_("单位"), max_length=10)
    unit_value = models.DecimalField(
        _("单价（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    # At or below this the stock page highlights the item (time to order more).
    low_stock_level = models.PositiveIntegerField(_("库存预警线"), default=5)
    active = models.BooleanField(_("在用"), default=True)
    stock = models.IntegerField(_("库存"), default=0)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("实物物资")
        verbose_name_plural = _("实物物资")
        ordering = ["county_code", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["county_code", "code"], name="supply_code_in_county"),
            models.CheckConstraint(condition=Q(stock__gte=0), name="supply_stock_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def stock_value(self) -> Decimal | None:
        """The stock in yuan at the unit value (None without one)."""
        if self.unit_value is None:
            return None
        return self.unit_value * self.stock

    @property
    def is_low(self) -> bool:
        return self.stock <= self.low_stock_level


class StockMovement(models.Model):
    """One change of an item's stock: a receipt (+), a distribution (−), a count
    correction (±) or a cancelled distribution coming back (+)."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("入库")
        DISTRIBUTION = "distribution", _("发放")
        ADJUSTMENT = "adjustment", _("盘点调整")
        RETURN = "return", _("退回")

    item = models.ForeignKey(SupplyItem, on_delete=models.PROTECT, related_name="movements")
    quantity = models.IntegerField(_("数量（入库为正，出库为负）"))
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    source = models.CharField(_("来源"), max_length=200, blank=True)
    note = models.TextField(_("说明"), blank=True)
    moved_on = models.DateField(_("日期"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("经办人"),
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("出入库记录")
        verbose_name_plural = _("出入库记录")
        ordering = ["-moved_on", "-id"]
        constraints = [
            # Receipts and returns add, distributions take away, a count correction either.
            models.CheckConstraint(
                condition=(
                    Q(kind__in=["receipt", "return"], quantity__gt=0)
                    | Q(kind="distribution", quantity__lt=0)
                    | (Q(kind="adjustment") & ~Q(quantity=0))
                ),
                name="supply_movement_sign",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.kind} {self.quantity:+d}"


class Distribution(models.Model):
    """Items handed to one child, signed for by the child or the guardian."""

    child = models.ForeignKey(
        "registry.Child", on_delete=models.PROTECT, related_name="supply_distributions"
    )
    item = models.ForeignKey(SupplyItem, on_delete=models.PROTECT, related_name="distributions")
    quantity = models.PositiveIntegerField(_("数量"))
    distributed_on = models.DateField(_("发放日期"))
    plan_item = models.ForeignKey(
        "cases.PlanItem",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supply_distributions",
        verbose_name=_("对应的服务计划事项"),
    )
    received_by_name = models.CharField(_("签收人"), max_length=100)
    note = models.TextField(_("说明"), blank=True)
    # One movement takes the quantity out of stock; a cancellation brings it back.
    movement = models.OneToOneField(
        StockMovement, on_delete=models.PROTECT, related_name="distribution"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发放人"),
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    cancelled = models.BooleanField(_("已撤销"), default=False)
    cancel_reason = models.CharField(_("撤销理由"), max_length=500, blank=True)
    cancelled_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("撤销人"),
    )
    return_movement = models.OneToOneField(
        StockMovement,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cancelled_distribution",
    )

    class Meta:
        verbose_name = _("实物发放")
        verbose_name_plural = _("实物发放")
        ordering = ["-distributed_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="distribution_positive"),
            models.CheckConstraint(
                condition=Q(cancelled=False) | Q(return_movement__isnull=False),
                name="distribution_cancel_returns_stock",
            ),
        ]
        indexes = [models.Index(fields=["child", "-distributed_on"], name="distribution_child")]

    def __str__(self) -> str:
        return f"{self.child_id} {self.item_id} ×{self.quantity} {self.distributed_on}"
