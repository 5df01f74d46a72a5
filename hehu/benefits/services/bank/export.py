"""The bank file of a cycle: its pending transfers in the bank's layout, CSV or XLSX.

Account numbers are decrypted here only, for the file, and never written to the audit log.
The first export marks the cycle exported; exporting again (another layout, a lost file)
is allowed, audited each time, until the bank's results are imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cryptography.fernet import InvalidToken
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.benefits.bankfiles import (
    CONTENT_TYPES,
    FILE_FORMATS,
    BankLayout,
    Batch,
    Payment,
    UnencodableText,
    total_of,
    write_bank_file,
)
from hehu.benefits.models import PaymentCycle, Transfer
from hehu.benefits.services.bank.common import first_references, layout_by_code, locked_cycle
from hehu.core.crypto import decrypt
from hehu.core.errors import ValidationFailed


@dataclass(frozen=True)
class ExportedFile:
    filename: str
    content: bytes
    content_type: str
    rows: int
    total: Decimal


# -- export ------------------------------------------------------------------------------------
@transaction.atomic
def export_bank_file(
    *, actor: Any, cycle: PaymentCycle, layout: str, file_format: str
) -> ExportedFile:
    """Write the bank file of an approved cycle's pending transfers (held ones are not sent)."""
    cycle = locked_cycle(actor, cycle)
    chosen = layout_by_code(layout)
    if file_format not in FILE_FORMATS:
        raise ValidationFailed({"format": [_("文件类型应为 csv 或 xlsx")]})
    _check_exportable(cycle)
    payments = _payments(cycle)
    try:
        content = write_bank_file(
            chosen, Batch(cycle.county_code, cycle.month), payments, file_format
        )
    except UnencodableText as exc:
        raise ValidationFailed(
            {
                "layout": [
                    _(
                        "流水号 %(reference)s 的“%(text)s”无法用 %(encoding)s 编码写出，"
                        "请选择 UTF-8 或 GB18030 编码的格式"
                    )
                    % {"reference": exc.reference, "text": exc.text, "encoding": exc.encoding}
                ]
            }
        ) from None
    first = cycle.status == PaymentCycle.Status.APPROVED
    if first:
        cycle.status = PaymentCycle.Status.EXPORTED
        cycle.exported_at = timezone.now()
        cycle.exported_by = actor
        cycle.version += 1
        cycle.save(update_fields=["status", "exported_at", "exported_by", "version"])
    total = total_of(payments)
    filename = f"{cycle.number}-{chosen.code}.{file_format}"
    audit_record(
        actor=actor,
        verb=Verb.BANK_FILE_EXPORTED,
        object_type="payment_cycle",
        object_id=cycle.pk,
        changes={
            "filename": filename,
            "layout": chosen.code,
            "format": file_format,
            "rows": len(payments),
            "total": str(total),
            "held": cycle.transfers.filter(status=Transfer.Status.HELD).count(),
            "first_export": first,
        },
    )
    return ExportedFile(
        filename=filename,
        content=content,
        content_type=_content_type(chosen, file_format),
        rows=len(payments),
        total=total,
    )


def _check_exportable(cycle: PaymentCycle) -> None:
    status = cycle.status
    if status == PaymentCycle.Status.RECONCILED:
        raise ValidationFailed({"cycle": [_("本批次已对账，不能再导出银行文件")]})
    if status not in (PaymentCycle.Status.APPROVED, PaymentCycle.Status.EXPORTED):
        raise ValidationFailed({"cycle": [_("发放名册审批后才能导出银行文件")]})
    if cycle.transfers.filter(result_at__isnull=False).exists():
        raise ValidationFailed(
            {
                "cycle": [
                    _(
                        "本批次已导入银行回盘结果，不能再导出银行文件（以免重复发放）；"
                        "失败的明细在对账后转入下一批次"
                    )
                ]
            }
        )


def _payments(cycle: PaymentCycle) -> list[Payment]:
    rows = (
        cycle.transfers.filter(status=Transfer.Status.PENDING)
        .order_by("reference")
        .values_list(
            "reference", "account_encrypted", "holder_name", "bank_name", "amount", "child__name"
        )
    )
    payments: list[Payment] = []
    no_account: list[str] = []
    for reference, encrypted, holder, bank, amount, child in rows.iterator(chunk_size=5000):
        if not encrypted:
            no_account.append(reference)
            continue
        try:
            number = decrypt(encrypted)
        except InvalidToken:
            raise ValidationFailed(
                {
                    "cycle": [
                        _("流水号 %s 的收款账号无法解密，请联系系统管理员核对密钥配置") % reference
                    ]
                }
            ) from None
        payments.append(Payment(reference, number, holder, bank, amount, child))
    if no_account:
        raise ValidationFailed(
            {
                "cycle": [
                    _(
                        "%(count)d 笔明细没有收款账号（%(references)s），"
                        "请暂缓发放或补充账号后重新生成"
                    )
                    % {"count": len(no_account), "references": first_references(no_account)}
                ]
            }
        )
    if not payments:
        raise ValidationFailed({"cycle": [_("本批次没有待发放的明细，无需导出银行文件")]})
    return payments


def _content_type(layout: BankLayout, file_format: str) -> str:
    if file_format == "csv":
        charset = "utf-8" if layout.encoding.startswith("utf-8") else layout.encoding
        return f"{CONTENT_TYPES['csv']}; charset={charset}"
    return CONTENT_TYPES[file_format]
