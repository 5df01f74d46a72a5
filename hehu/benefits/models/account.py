"""The account a child's money is paid into: the guardian's, or the institution's.

The account number is stored encrypted (hehu.core.crypto), with a keyed blind index to find
one account receiving for several children, and its last four digits for display; it is
decrypted only to write a bank file (audited).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PayeeAccount(models.Model):
    class Holder(models.TextChoices):
        GUARDIAN = "guardian", _("监护人")
        INSTITUTION = "institution", _("养育机构")

    child = models.ForeignKey(
        "registry.Child", on_delete=models.PROTECT, related_name="payee_accounts"
    )
    holder_kind = models.CharField(_("账户类型"), max_length=12, choices=Holder.choices)
    holder_name = models.CharField(_("户名"), max_length=100)
    bank_name = models.CharField(_("开户银行"), max_length=100)
    account_encrypted = models.TextField()
    account_index = models.CharField(max_length=64)
    account_last4 = models.CharField(max_length=4)
    # Only one account of a child is in use; a replaced one stays for the payments it took.
    active = models.BooleanField(_("使用中"), default=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("收款账户")
        verbose_name_plural = _("收款账户")
        ordering = ["-active", "-recorded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["child"], condition=Q(active=True), name="payee_one_active_per_child"
            ),
        ]
        indexes = [
            models.Index(
                fields=["account_index"], condition=Q(active=True), name="payee_active_index"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.holder_name} {self.masked}"

    @property
    def masked(self) -> str:
        return mask_account(self.account_last4)


def mask_account(last4: str) -> str:
    """An account number as lists show it: only the last four digits."""
    return f"**** **** **** {last4}" if last4 else ""
