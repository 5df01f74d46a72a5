"""Writing generated rows: PostgreSQL COPY, or executemany on other databases (SQLite).

Rows carry explicit primary keys (see `population`), so the two writers produce identical
tables, and sequences are moved past the largest key afterwards. For a big load into
PostgreSQL the secondary indexes, unique and foreign-key constraints of the registry
tables are dropped first and rebuilt afterwards from their saved definitions (rebuilding
them in one pass is several times faster than maintaining them row by row; re-adding a
foreign key validates every row, so nothing unchecked is left behind).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from hehu.demo.rows import (
    CHILD_FIELDS,
    CONCERN_FIELDS,
    CONDITION_FIELDS,
    HOUSEHOLD_FIELDS,
    MEMBER_FIELDS,
    PARENT_FIELDS,
    RECEIVING_FIELDS,
    TABLES,
    Bases,
    Batch,
    Row,
)
from hehu.regions.models import Region
from hehu.registry.models import (
    Child,
    Household,
    HouseholdMember,
    Parent,
    ParentCondition,
    ProtectionConcern,
    Receiving,
)

MODELS: dict[str, type[models.Model]] = {
    "households": Household,
    "members": HouseholdMember,
    "children": Child,
    "parents": Parent,
    "conditions": ParentCondition,
    "concerns": ProtectionConcern,
    "receiving": Receiving,
}
FIELDS: dict[str, tuple[str, ...]] = {
    "households": HOUSEHOLD_FIELDS,
    "members": MEMBER_FIELDS,
    "children": CHILD_FIELDS,
    "parents": PARENT_FIELDS,
    "conditions": CONDITION_FIELDS,
    "concerns": CONCERN_FIELDS,
    "receiving": RECEIVING_FIELDS,
}


def next_bases() -> Bases:
    """The first free primary key of each registry table."""

    def following(model: type[models.Model]) -> int:
        largest = model._default_manager.aggregate(m=Max("pk"))["m"]
        return int(largest or 0) + 1

    return Bases(
        household=following(Household),
        member=following(HouseholdMember),
        child=following(Child),
        parent=following(Parent),
        condition=following(ParentCondition),
        concern=following(ProtectionConcern),
        receiving=following(Receiving),
    )


def sequences_reset() -> None:
    """Move each table's id sequence past the explicit keys just written."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(MODELS.values()))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


# -- COPY (PostgreSQL) -----------------------------------------------------------------------

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value: Any) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_ESCAPES)
        return value
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, int | Decimal | dt.date):
        return str(value)
    raise TypeError(f"cannot COPY {type(value).__name__}")


@dataclass(frozen=True)
class TableSpec:
    """How to write one model's rows: the generated fields, then the other columns filled
    with their constant defaults (so fields added to the model later still get a value)."""

    table: str
    columns: list[str]
    defaults: tuple[Any, ...]  # database values of the columns the generator does not fill

    @property
    def copy_sql(self) -> str:
        quote = connection.ops.quote_name
        return f"COPY {quote(self.table)} ({', '.join(map(quote, self.columns))}) FROM STDIN"

    @property
    def insert_sql(self) -> str:
        quote = connection.ops.quote_name
        marks = ", ".join(["%s"] * len(self.columns))
        columns = ", ".join(map(quote, self.columns))
        # Table and column names come from the models, quoted; values are parameters.
        return f"INSERT INTO {quote(self.table)} ({columns}) VALUES ({marks})"  # noqa: S608


def table_spec(model: type[models.Model], fields: tuple[str, ...]) -> TableSpec:
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    unknown = set(fields) - set(by_attname)
    if unknown:
        raise ValueError(f"{model.__name__} has no fields {sorted(unknown)}")
    now = timezone.now()
    rest_columns: list[str] = []
    defaults: list[Any] = []
    for f in model._meta.concrete_fields:
        if f.attname in fields:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value: Any = now
        else:
            # The field's default: its own, "" for text fields, None where null is allowed.
            value = f.get_default()
            if value is None and not f.null:
                raise ValueError(f"{model.__name__}.{f.name} needs a value the generator lacks")
        rest_columns.append(str(f.column))
        defaults.append(f.get_db_prep_save(value, connection))
    columns = [str(by_attname[a].column) for a in fields] + rest_columns
    return TableSpec(model._meta.db_table, columns, tuple(defaults))


def copy_lines(rows: Iterable[Row], defaults: tuple[Any, ...]) -> str:
    end = "".join("\t" + copy_text(v) for v in defaults) + "\n"
    return "".join("\t".join(map(copy_text, row)) + end for row in rows)


def write_copy(batch: Batch) -> None:
    """COPY every table of the batch, in one transaction (PostgreSQL)."""
    with transaction.atomic(), connection.cursor() as cursor:
        for name in TABLES:
            rows = getattr(batch, name)
            if rows:
                spec = table_spec(MODELS[name], FIELDS[name])
                with cursor.copy(spec.copy_sql) as copy:
                    copy.write(copy_lines(rows, spec.defaults))


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def write_insert(batch: Batch) -> None:
    """INSERT every table of the batch with executemany, in one transaction (any database;
    dates and amounts as text, which is how Django stores them in SQLite)."""
    with transaction.atomic(), connection.cursor() as cursor:
        for name in TABLES:
            rows = getattr(batch, name)
            if rows:
                spec = table_spec(MODELS[name], FIELDS[name])
                cursor.executemany(
                    spec.insert_sql, [tuple(map(_plain, row)) + spec.defaults for row in rows]
                )


def write_batch(batch: Batch) -> None:
    """COPY on PostgreSQL, executemany elsewhere."""
    if connection.vendor == "postgresql":
        write_copy(batch)
    else:
        write_insert(batch)


# -- dropping and rebuilding indexes (PostgreSQL) ---------------------------------------------


@dataclass(frozen=True)
class SavedIndex:
    table: str
    name: str
    definition: str  # CREATE INDEX … or the constraint definition
    constraint: bool
    foreign_key: bool


def registry_tables() -> list[str]:
    return [model._meta.db_table for model in MODELS.values()]


def indexes_drop() -> list[SavedIndex]:
    """Drop the secondary indexes and unique/foreign-key constraints of the registry tables
    (primary keys and check constraints stay); return what is needed to rebuild them."""
    tables = registry_tables()
    saved: list[SavedIndex] = []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), c.contype
            FROM pg_constraint c
            WHERE c.conrelid = ANY(%s::regclass[]) AND c.contype IN ('f', 'u')
            ORDER BY c.contype, c.conname
            """,
            [tables],
        )
        for table, name, definition, kind in cursor.fetchall():
            saved.append(SavedIndex(table, name, definition, True, kind == "f"))
        cursor.execute(
            """
            SELECT i.tablename, i.indexname, i.indexdef
            FROM pg_indexes i
            WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname
                              AND c.conrelid = i.tablename::regclass)
            ORDER BY i.indexname
            """,
            [tables],
        )
        for table, name, definition in cursor.fetchall():
            saved.append(SavedIndex(table, name, definition, False, False))
        quote = connection.ops.quote_name
        for index in saved:
            if index.constraint:
                cursor.execute(
                    f"ALTER TABLE {quote(index.table)} DROP CONSTRAINT {quote(index.name)}"
                )
            else:
                cursor.execute(f"DROP INDEX {quote(index.name)}")
    return saved


def _index_create(index: SavedIndex) -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        if index.constraint:
            cursor.execute(
                f"ALTER TABLE {quote(index.table)} ADD CONSTRAINT {quote(index.name)} "
                f"{index.definition}"
            )
        else:
            cursor.execute(index.definition)
        cursor.execute("RESET maintenance_work_mem")


def _index_create_in_thread(index: SavedIndex) -> None:
    try:
        _index_create(index)
    finally:
        connection.close()  # each thread has its own connection


def indexes_rebuild(saved: list[SavedIndex], *, parallel: int = 1) -> None:
    """Recreate what `indexes_drop` removed: indexes and unique constraints (over `parallel`
    connections at once), then foreign keys one by one (each re-added key validates every
    existing row, and keys on one table would only wait for each other)."""
    indexes = [i for i in saved if not i.foreign_key]
    if parallel > 1 and not connection.in_atomic_block:
        with ThreadPoolExecutor(parallel) as pool:
            list(pool.map(_index_create_in_thread, indexes))
    else:
        for index in indexes:
            _index_create(index)
    for index in saved:
        if index.foreign_key:
            _index_create(index)


def tables_analyze() -> None:
    """Statistics for the planner; outside a transaction also VACUUM, whose visibility map
    lets counts over a county be answered from an index alone."""
    quote = connection.ops.quote_name
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for table in [*registry_tables(), Region._meta.db_table]:
            cursor.execute(f"{command} {quote(table)}")
