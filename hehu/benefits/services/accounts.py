"""Payee accounts: where a child's money goes — the guardian's account or the institution's.

The number is checked (digits only, 12 to 30 of them after removing spaces), stored
encrypted with a keyed blind index (to find one account used for several children) and
its last four digits; lists and pages show it masked. A new account replaces the active
one; the old one stays with the transfers that used it.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.benefits.models import PayeeAccount, mask_account
from hehu.core.crypto import blind_index, encrypt
from hehu.core.errors import ConcurrentEdit, PermissionRefused, ValidationFailed
from hehu.registry.models import Child

ACCOUNT_PURPOSE = "payee_account"
DIGITS_MIN, DIGITS_MAX = 12, 30
NAME_MAX = 100


def normalise_account(number: str) -> str:
    return "".join((number or "").split()).replace("-", "")


def account_index(number: str) -> str:
    return blind_index(normalise_account(number), purpose=ACCOUNT_PURPOSE)


def _errors(
    number: str, holder_kind: str, holder_name: str, bank_name: str
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not number:
        errors["account_number"] = [_("请填写银行账号")]
    elif not number.isdigit():
        errors["account_number"] = [_("银行账号只能包含数字（可以有空格）")]
    elif not DIGITS_MIN <= len(number) <= DIGITS_MAX:
        errors["account_number"] = [
            _("银行账号应为 %(a)d 到 %(b)d 位数字，现为 %(n)d 位")
            % {"a": DIGITS_MIN, "b": DIGITS_MAX, "n": len(number)}
        ]
    if holder_kind not in PayeeAccount.Holder.values:
        errors["holder_kind"] = [_("请选择账户类型：监护人或养育机构")]
    if not holder_name:
        errors["holder_name"] = [_("请填写户名（与银行开户名一致）")]
    elif len(holder_name) > NAME_MAX:
        errors["holder_name"] = [_("户名不超过 %d 字") % NAME_MAX]
    if not bank_name:
        errors["bank_name"] = [_("请填写开户银行")]
    elif len(bank_name) > NAME_MAX:
        errors["bank_name"] = [_("开户银行不超过 %d 字") % NAME_MAX]
    return errors


@transaction.atomic
def save_account(
    *,
    actor: Any,
    child: Child,
    holder_kind: str,
    holder_name: str,
    bank_name: str,
    account_number: str,
    expected_version: int | None = None,
) -> PayeeAccount:
    """Record the child's account (replacing the active one). `expected_version` is the
    version of the active account the officer saw (None when there was none)."""
    if not has_perm(actor, Perm.MANAGE_BENEFITS):
        raise PermissionRefused(_("收款账户由县级民政部门登记"))
    if not any(child.region_id.startswith(p) for p in actor.prefixes):
        raise PermissionRefused(_("该儿童档案不在您的管辖范围内"))
    number = normalise_account(account_number)
    holder_name = (holder_name or "").strip()
    bank_name = (bank_name or "").strip()
    errors = _errors(number, holder_kind, holder_name, bank_name)
    if errors:
        raise ValidationFailed(errors)
    Child.objects.select_for_update().filter(pk=child.pk).first()
    current = PayeeAccount.objects.filter(child=child, active=True).first()
    seen = current.version if current is not None else None
    if seen != expected_version:
        raise ConcurrentEdit(
            _(
                "该儿童的收款账户已被其他人修改，您的修改没有保存。请刷新页面，看过最新账户后再修改。"
            )
        )
    index = account_index(number)
    if current is not None:
        if (
            current.account_index == index
            and current.holder_name == holder_name
            and current.bank_name == bank_name
            and current.holder_kind == holder_kind
        ):
            return current
        current.active = False
        current.save(update_fields=["active", "updated_at"])
    account = PayeeAccount.objects.create(
        child=child,
        holder_kind=holder_kind,
        holder_name=holder_name,
        bank_name=bank_name,
        account_encrypted=encrypt(number),
        account_index=index,
        account_last4=number[-4:],
        recorded_by=actor,
        version=(current.version + 1) if current is not None else 1,
    )
    audit_record(
        actor=actor,
        verb=Verb.ACCOUNT_SAVED,
        object_type="payee_account",
        object_id=account.pk,
        child_id=child.pk,
        changes={
            "holder_kind": holder_kind,
            "holder_name": holder_name,
            "bank_name": bank_name,
            "account": mask_account(account.account_last4),
            "replaced": mask_account(current.account_last4) if current else None,
        },
    )
    return account
