"""Writing a built roll as one county's cycle: transfers (one per child) and their lines.

On PostgreSQL the rows go in by COPY with ids reserved from the tables' sequences (a
province's roll is a hundred thousand rows: Django's bulk INSERT spent 30 of its 60
seconds); elsewhere by bulk_create. Regenerating a cycle first deletes its rows with one
DELETE each: nothing refers to the rows of a cycle not yet approved (overpayments and
carried lines refer to lines of frozen cycles only).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Model, Sum
from django.utils.translation import gettext as _

from hehu.benefits.models import PayeeAccount, PaymentCycle, PaymentLine, Transfer
from hehu.benefits.roll.build import PlannedLine
from hehu.registry.models import Child

BATCH = 5000
ZERO = Decimal("0.00")
ACCOUNT_FIELDS = (
    "pk",
    "child_id",
    "holder_name",
    "bank_name",
    "account_encrypted",
    "account_last4",
)
TRANSFER_COLUMNS = (
    "id",
    "cycle_id",
    "child_id",
    "reference",
    "amount",
    "account_id",
    "holder_name",
    "bank_name",
    "account_encrypted",
    "account_last4",
    "status",
    "hold_reason",
    "failure_reason",
    "bank_reference",
)
LINE_COLUMNS = (
    "cycle_id",
    "transfer_id",
    "child_id",
    "programme",
    "service_month",
    "kind",
    "amount",
    "standard_amount",
    "reasons",
    "grant_id",
    "overpayment_id",
    "carried_from_id",
    "status",
)


def _accounts(child_ids: list[int]) -> dict[int, tuple[Any, ...]]:
    accounts: dict[int, tuple[Any, ...]] = {}
    for start in range(0, len(child_ids), BATCH):
        for row in (
            PayeeAccount.objects.filter(child_id__in=child_ids[start : start + BATCH], active=True)
            .values_list(*ACCOUNT_FIELDS)
            .order_by()
        ):
            accounts[row[1]] = row
    return accounts


def _inactive(child_ids: list[int]) -> set[int]:
    inactive: set[int] = set()
    for start in range(0, len(child_ids), BATCH):
        inactive |= set(
            Child.objects.filter(pk__in=child_ids[start : start + BATCH])
            .exclude(status=Child.Status.ACTIVE)
            .values_list("pk", flat=True)
        )
    return inactive


def _delete_rows(cycle: PaymentCycle) -> None:
    with connection.cursor() as cursor:
        for model in (PaymentLine, Transfer):
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"DELETE FROM {table} WHERE cycle_id = %s", [cycle.pk])  # noqa: S608 - model table


def _reserve_ids(model: type[Model], n: int) -> list[int]:
    if n == 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, n],
        )
        return [row[0] for row in cursor.fetchall()]


def _copy(model: type[Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f"COPY {table} ({names}) FROM STDIN"  # noqa: S608 - model table and columns
        ) as copy,
    ):
        for row in rows:
            copy.write_row(row)


def write_lines(cycle: PaymentCycle, planned: list[PlannedLine]) -> None:
    """Replace the cycle's transfers and lines by `planned` (the cycle is being generated)."""
    _delete_rows(cycle)
    by_child: dict[int, list[PlannedLine]] = defaultdict(list)
    for line in planned:
        by_child[line.child_id].append(line)
    child_ids = sorted(by_child)
    accounts = _accounts(child_ids)
    inactive = _inactive(child_ids)
    transfers: list[tuple[Any, ...]] = []
    for sequence, child_id in enumerate(child_ids, start=1):
        amount = sum((line.amount for line in by_child[child_id]), ZERO)
        account = accounts.get(child_id)
        hold = ""
        if child_id in inactive:
            hold = _("儿童档案已合并或销档")
        elif account is None:
            hold = _("没有登记收款账户")
        status = Transfer.Status.HELD if hold else Transfer.Status.PENDING
        transfers.append(
            (
                None,
                cycle.pk,
                child_id,
                f"{cycle.county_code}{cycle.month:%Y%m}{sequence:06d}",
                amount,
                account[0] if account else None,
                account[2] if account else "",
                account[3] if account else "",
                account[4] if account else "",
                account[5] if account else "",
                str(status),
                hold,
                "",
                "",
            )
        )
    if connection.vendor == "postgresql":
        ids = _reserve_ids(Transfer, len(transfers))
        transfers = [(ids[i], *row[1:]) for i, row in enumerate(transfers)]
        _copy(Transfer, TRANSFER_COLUMNS, transfers)
        transfer_of = {row[2]: (row[0], row[10]) for row in transfers}
    else:
        created = Transfer.objects.bulk_create(
            [
                Transfer(**dict(zip(TRANSFER_COLUMNS[1:], row[1:], strict=True)))
                for row in transfers
            ],
            batch_size=BATCH,
        )
        transfer_of = {t.child_id: (t.pk, t.status) for t in created}
    lines = (
        (
            cycle.pk,
            transfer_of[line.child_id][0],
            line.child_id,
            line.programme,
            line.service_month,
            str(line.kind),
            line.amount,
            line.standard_amount,
            line.reasons,
            line.grant_id,
            line.overpayment_id,
            line.carried_from_id,
            transfer_of[line.child_id][1],
        )
        for child_id in child_ids
        for line in by_child[child_id]
    )
    if connection.vendor == "postgresql":
        _copy(
            PaymentLine,
            LINE_COLUMNS,
            ((*row[:8], json.dumps(row[8], ensure_ascii=False), *row[9:]) for row in lines),
        )
    else:
        PaymentLine.objects.bulk_create(
            [PaymentLine(**dict(zip(LINE_COLUMNS, row, strict=True))) for row in lines],
            batch_size=BATCH,
        )
    totals(cycle)


def totals(cycle: PaymentCycle) -> None:
    """The cycle's head figures from its transfers."""
    transfers = Transfer.objects.filter(cycle=cycle)
    cycle.children = transfers.count()
    cycle.total_amount = transfers.aggregate(t=Sum("amount"))["t"] or ZERO
    cycle.held_amount = (
        transfers.filter(status=Transfer.Status.HELD).aggregate(t=Sum("amount"))["t"] or ZERO
    )
