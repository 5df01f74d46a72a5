"""The bank's result file (回盘) applied to a cycle, all of it or nothing.

One bad line — a reference not in the cycle, a wrong amount, a held transfer, a result
that changes one already recorded, a line the reader refuses — refuses the whole file with
every problem line by line. A line repeating a result already recorded is skipped and
counted, so importing the same file again changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.benefits.bankfiles import LineProblem, ResultRow, ResultsUnreadable, read_results
from hehu.benefits.models import Overpayment, PaymentCycle, PaymentLine, Transfer
from hehu.benefits.selectors import reaches_county
from hehu.benefits.services.bank.common import (
    at_line,
    file_refusal,
    layout_by_code,
    locked_cycle,
)
from hehu.core.errors import ValidationFailed

_CHUNK = 500
_BATCH = 1000


class _Sent(NamedTuple):
    """A transfer of the cycle as the file is checked against it."""

    pk: int
    amount: Decimal
    status: str


@dataclass(frozen=True)
class ImportOutcome:
    rows: int
    paid: int
    failed: int
    already_recorded: int
    paid_amount: Decimal
    failed_amount: Decimal


# -- import ------------------------------------------------------------------------------------
@transaction.atomic
def import_bank_results(
    *, actor: Any, cycle: PaymentCycle, filename: str, content: bytes, layout: str
) -> ImportOutcome:
    """Apply the bank's result file to the cycle's transfers, all of it or nothing."""
    cycle = locked_cycle(actor, cycle)
    chosen = layout_by_code(layout)
    if cycle.status == PaymentCycle.Status.RECONCILED:
        raise ValidationFailed({"cycle": [_("本批次已对账，不能再导入回盘结果")]})
    if cycle.status != PaymentCycle.Status.EXPORTED:
        raise ValidationFailed({"cycle": [_("本批次尚未导出银行文件，没有可导入的回盘结果")]})
    try:
        parsed = read_results(chosen.results, content, filename)
    except ResultsUnreadable as exc:
        raise file_refusal(filename, [_reader_message(p) for p in exc.problems]) from None
    transfers = {
        reference: _Sent(pk, amount, status)
        for reference, pk, amount, status in cycle.transfers.values_list(
            "reference", "pk", "amount", "status"
        )
    }
    errors: list[str] = []
    to_apply: list[tuple[ResultRow, _Sent]] = []
    already = 0
    others = _other_cycles(
        actor, [r.reference for r in parsed.rows if r.reference not in transfers]
    )
    for row in parsed.rows:
        transfer = transfers.get(row.reference)
        if transfer is None:
            errors.append(_unknown_reference(row, others.get(row.reference)))
            continue
        problem = _row_problem(row, transfer)
        if problem:
            errors.append(at_line(row.line, problem))
        elif transfer.status == Transfer.Status.PENDING:
            to_apply.append((row, transfer))
        else:
            already += 1
    if errors:
        raise file_refusal(filename, errors)
    recovered = _apply(cycle, to_apply, filename)
    paid = [t for r, t in to_apply if r.paid]
    failed = [t for r, t in to_apply if not r.paid]
    outcome = ImportOutcome(
        rows=len(parsed.rows),
        paid=len(paid),
        failed=len(failed),
        already_recorded=already,
        paid_amount=sum((t.amount for t in paid), Decimal("0")),
        failed_amount=sum((t.amount for t in failed), Decimal("0")),
    )
    audit_record(
        actor=actor,
        verb=Verb.BANK_RESULTS_IMPORTED,
        object_type="payment_cycle",
        object_id=cycle.pk,
        changes={
            "filename": filename,
            "layout": chosen.code,
            "format": parsed.file_format,
            "rows": outcome.rows,
            "paid": outcome.paid,
            "failed": outcome.failed,
            "already_recorded": already,
            "paid_amount": str(outcome.paid_amount),
            "failed_amount": str(outcome.failed_amount),
            "overpayments_recovered": recovered,
        },
    )
    return outcome


def _row_problem(row: ResultRow, transfer: _Sent) -> str:
    """Why a row of the file cannot apply to its transfer ("" when it can or is already in)."""
    ref = row.reference
    if row.amount != transfer.amount:
        return _("流水号 %(ref)s 的金额 %(amount)s 元与应发金额 %(due)s 元不一致") % {
            "ref": ref,
            "amount": f"{row.amount:.2f}",
            "due": f"{transfer.amount:.2f}",
        }
    if transfer.status == Transfer.Status.HELD:
        return _("流水号 %s 已暂缓发放，不在银行文件中") % ref
    if transfer.status == Transfer.Status.PAID and not row.paid:
        return _("流水号 %s 已记录为发放成功，不能改为失败") % ref
    if transfer.status == Transfer.Status.FAILED and row.paid:
        return _("流水号 %s 已记录为发放失败，不能改为成功；请核实后联系银行") % ref
    return ""


def _other_cycles(actor: Any, references: list[str]) -> dict[str, PaymentCycle]:
    """The cycles of the jurisdiction the unknown references belong to."""
    found: dict[str, PaymentCycle] = {}
    for start in range(0, len(references), _CHUNK):
        chunk = references[start : start + _CHUNK]
        for transfer in Transfer.objects.filter(reference__in=chunk).select_related("cycle"):
            if reaches_county(actor, transfer.cycle.county_code):
                found[transfer.reference] = transfer.cycle
    return found


def _unknown_reference(row: ResultRow, other: PaymentCycle | None) -> str:
    if other is not None:
        message = _("流水号 %(ref)s 不属于本批次，而属于 %(number)s 批次，请核对回盘文件") % {
            "ref": row.reference,
            "number": other.number,
        }
    else:
        message = _("流水号 %s 不是本批次的明细，请核对回盘文件") % row.reference
    return at_line(row.line, message)


def _apply(
    cycle: PaymentCycle, to_apply: list[tuple[ResultRow, _Sent]], filename: str
) -> dict[str, str]:
    """Record each result on its transfer and lines; a paid transfer's recovery lines count
    towards their overpayments. Returns the overpayments' recovered amounts."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    values = [
        (
            sent.pk,
            Transfer.Status.PAID if row.paid else Transfer.Status.FAILED,
            row.reason[:200],
            row.bank_reference[:64],
        )
        for row, sent in to_apply
    ]
    for start in range(0, len(values), _BATCH):
        _record_results(values[start : start + _BATCH], now)
    lines_by_transfer = {sent.pk: row.line for row, sent in to_apply}
    recovered = _recover(cycle, lines_by_transfer, filename)
    pending = PaymentLine.objects.filter(cycle=cycle, status=PaymentLine.Status.PENDING)
    pending.filter(transfer__status=Transfer.Status.PAID).update(status=PaymentLine.Status.PAID)
    pending.filter(transfer__status=Transfer.Status.FAILED).update(status=PaymentLine.Status.FAILED)
    return recovered


def _record_results(values: Sequence[tuple[int, str, str, str]], now: Any) -> None:
    """One UPDATE … FROM (VALUES …) for a batch of transfers, each with its own result,
    reason and bank reference. Django's bulk_update builds a CASE per field and row and
    took about a minute for a county's 100,000 rows; this takes a second or two. The
    VALUES columns are column1… in both PostgreSQL and SQLite (3.33+ for UPDATE FROM)."""
    quote = connection.ops.quote_name
    table = quote(Transfer._meta.db_table)
    rows = ", ".join(["(%s, %s, %s, %s)"] * len(values))
    sql = (
        f"UPDATE {table} SET {quote('status')} = v.column2, "  # noqa: S608 — names only
        f"{quote('failure_reason')} = v.column3, {quote('bank_reference')} = v.column4, "
        f"{quote('result_at')} = %s FROM (VALUES {rows}) AS v "
        f"WHERE {table}.{quote('id')} = v.column1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, *(value for row in values for value in row)])


def _recover(
    cycle: PaymentCycle, lines_by_transfer: dict[int, int], filename: str
) -> dict[str, str]:
    """Add the recovery lines of newly paid transfers to their overpayments (recovered when
    nothing is outstanding)."""
    sums = (
        PaymentLine.objects.filter(
            cycle=cycle,
            status=PaymentLine.Status.PENDING,
            kind=PaymentLine.Kind.RECOVERY,
            overpayment__isnull=False,
            transfer__status=Transfer.Status.PAID,
        )
        .values("overpayment_id", "transfer_id")
        .annotate(total=Sum("amount"))
    )
    by_overpayment: dict[int, tuple[Decimal, int]] = {}
    for item in sums:
        amount, line = by_overpayment.get(item["overpayment_id"], (Decimal("0"), 0))
        line = line or lines_by_transfer.get(item["transfer_id"], 0)
        by_overpayment[item["overpayment_id"]] = (amount - item["total"], line)
    if not by_overpayment:
        return {}
    errors: list[str] = []
    changed: dict[str, str] = {}
    for overpayment in Overpayment.objects.select_for_update().filter(pk__in=list(by_overpayment)):
        amount, line = by_overpayment[overpayment.pk]
        if overpayment.recovered_amount + amount > overpayment.amount:
            errors.append(
                at_line(
                    line,
                    _("扣回金额 %(amount)s 元超过多发记录 #%(id)d 待追回的 %(rest)s 元，请核对名册")
                    % {
                        "amount": f"{amount:.2f}",
                        "id": overpayment.pk,
                        "rest": overpayment.outstanding,
                    },
                )
            )
            continue
        overpayment.recovered_amount += amount
        if overpayment.outstanding == 0 and overpayment.status == Overpayment.Status.OPEN:
            overpayment.status = Overpayment.Status.RECOVERED
        overpayment.version += 1
        overpayment.save(update_fields=["recovered_amount", "status", "version", "updated_at"])
        changed[str(overpayment.pk)] = str(overpayment.recovered_amount)
    if errors:
        raise file_refusal(filename, errors)
    return changed


_READER_MESSAGES: dict[str, Any] = {
    "xls": _lazy("不能读取旧版 Excel（.xls）文件，请另存为 .xlsx 或 CSV 后重新导入"),
    "empty": _lazy("文件是空的"),
    "no_rows": _lazy("文件中没有回盘明细"),
    "encoding": _lazy("文件不是 %(encoding)s 编码，请按该银行的回盘格式保存后重新导入"),
    "unreadable": _lazy("无法读取文件：%(detail)s"),
    "missing_columns": _lazy("标题行缺少列：%(columns)s"),
    "short_row": _lazy("只有 %(found)s 列，应至少有 %(needed)s 列"),
    "no_reference": _lazy("缺少流水号"),
    "bad_amount": _lazy("金额“%(amount)s”无法识别，应为以元计、最多两位小数的金额"),
    "bad_amount_fen": _lazy("金额“%(amount)s”无法识别，应为以分计的整数"),
    "unknown_result": _lazy("未知的结果“%(value)s”，应为 %(known)s"),
    "no_reason": _lazy("流水号 %(reference)s 发放失败，但没有失败原因"),
    "duplicate_reference": _lazy("流水号 %(reference)s 与第 %(first)s 行重复"),
    "summary_bad": _lazy("汇总行的“%(value)s”不是有效的笔数或金额（文件应以汇总行开头或结尾）"),
    "summary_count": _lazy("汇总行笔数为 %(written)s，明细实有 %(found)s 笔"),
    "summary_total": _lazy("汇总行总金额为 %(written)s 元，明细合计 %(found)s 元"),
}


def _reader_message(problem: LineProblem) -> str:
    params = dict(problem.params)
    code = problem.code
    if code == "bad_amount" and params.get("format") == "fen":
        code = "bad_amount_fen"
    template = _READER_MESSAGES.get(code)
    message = str(template) % params if template is not None else code
    return at_line(problem.line, message)
