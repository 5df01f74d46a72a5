"""The registry's tables read straight into the policy engine's frames, set-based.

A population run never builds a facts document per child: it reads the columns it needs
with one query per table (children with their household, parents, conditions, concerns,
assessed needs, benefits) and assembles `FactsFrames` with Polars joins. On PostgreSQL each query is
streamed with `COPY (SELECT …) TO STDOUT` as CSV into `polars.read_csv`, the columns as
stored (no per-value conversion in SQL: text, 't'/'f', numbers; dates as days since 1970)
and made typed, with blank text as missing, by Polars; on SQLite the rows are fetched
and handed to Polars. When the scope is every active child, the list tables are read
without a join to the children (rows of other children are dropped by Polars' joins).
The frames carry exactly what `hehu.registry.facts.export` puts in a facts document —
blank text as missing, a condition's fields only those its type has
(facts.schema.CONDITION_FIELDS), the first father and mother — so that both engines see
the same facts (a test proves it).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import polars as pl
import psycopg
import psycopg.sql
from django.db import connection

from hehu.policy.engine.frames import FRAME_SCHEMAS, FactsFrames
from hehu.registry.facts.schema import CONDITION_FIELDS

# A column as read: its name in the frame, the SQL that yields it, its kind.
Column = tuple[str, str, str]
# How each kind is read on PostgreSQL (COPY as CSV) and on SQLite (fetched rows).
_PG_READ_TYPES: dict[str, pl.DataType] = {
    "str": pl.String(),
    "int": pl.Int64(),
    "float": pl.Float64(),
    "bool": pl.String(),  # 't' / 'f'
    "date": pl.Int32(),  # days since 1970-01-01: a Polars Date as it is
    "json": pl.String(),
}
_SQLITE_READ_TYPES: dict[str, pl.DataType] = {
    **_PG_READ_TYPES,
    "bool": pl.Int64(),  # CAST(… AS INTEGER): 0 / 1
    "date": pl.String(),  # CAST(… AS TEXT): ISO dates
}


@dataclass(frozen=True)
class Scope:
    """Active children whose region code starts with `prefix` and with none of `excluded`."""

    prefix: str = ""
    excluded: tuple[str, ...] = ()

    @property
    def everyone(self) -> bool:
        """Every active child: list tables need no join to the children to be read."""
        return not self.prefix and not self.excluded

    def where(self, alias: str = "c") -> tuple[str, list[Any]]:
        clauses, params = [f"{alias}.status = %s"], ["active"]
        if self.prefix:
            clauses.append(f"{alias}.region_id BETWEEN %s AND %s")
            params += [self.prefix.ljust(12, "0"), self.prefix.ljust(12, "9")]
        for prefix in self.excluded:
            clauses.append(f"NOT ({alias}.region_id BETWEEN %s AND %s)")
            params += [prefix.ljust(12, "0"), prefix.ljust(12, "9")]
        return " AND ".join(clauses), params


def query(*parts: str) -> str:
    """SQL text from constant parts (names, placeholders): values are never spliced in."""
    return " ".join(parts)


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _typed(sql: str, kind: str) -> str:
    if _pg():
        # Dates as numbers: cheaper to print and to parse than text, whatever DateStyle.
        return f"({sql} - DATE '1970-01-01')" if kind == "date" else sql
    casts = {"bool": "INTEGER", "float": "REAL", "date": "TEXT"}
    return f"CAST({sql} AS {casts[kind]})" if kind in casts else sql


@dataclass(frozen=True)
class Read:
    """A query whose select list is `columns`, and its parameters."""

    sql: str
    params: Sequence[Any]
    columns: Sequence[Column]


def read_frame(sql: str, params: Sequence[Any], columns: Sequence[Column]) -> pl.DataFrame:
    """Run `sql` (whose select list is `columns`) into a frame of the columns' kinds.

    Every SQL text of this module is built from constants (table and column names, the
    scope's placeholders); every value is a parameter.
    """
    read = Read(sql, params, columns)
    if _pg():
        with connection.cursor() as cursor:
            return _copied(cursor.cursor, read)  # psycopg's own cursor: COPY is not DB-API
    types = _SQLITE_READ_TYPES
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    schema = {name: types[kind] for name, _sql, kind in columns}
    return _typed_frame(pl.DataFrame(rows, schema=schema, orient="row"), columns, pg=False)


def _copied(cursor: Any, read: Read) -> pl.DataFrame:
    """`read` streamed by COPY as CSV on a psycopg cursor, into a typed frame."""
    schema = {name: _PG_READ_TYPES[kind] for name, _sql, kind in read.columns}
    buffer = io.BytesIO()
    with cursor.copy(f"COPY ({read.sql}) TO STDOUT WITH (FORMAT csv)", read.params) as copy:
        for row in copy:  # the fastest way to take in COPY's rows, one message each
            buffer.write(row)
    if not buffer.tell():
        return _typed_frame(pl.DataFrame(schema=schema), read.columns, pg=True)
    buffer.seek(0)
    frame = pl.read_csv(buffer, has_header=False, schema=schema)
    return _typed_frame(frame, read.columns, pg=True)


def _typed_frame(frame: pl.DataFrame, columns: Sequence[Column], *, pg: bool) -> pl.DataFrame:
    casts = []
    for name, _sql, kind in columns:
        column = pl.col(name)
        if kind == "str":
            casts.append(pl.when(column != "").then(column).alias(name))
        elif kind == "bool" and pg:
            casts.append((column == "t").alias(name))
        elif kind == "bool":
            casts.append(column.cast(pl.Boolean))
        elif kind == "date" and pg:
            casts.append(column.cast(pl.Date))
        elif kind == "date":
            casts.append(column.str.to_date("%Y-%m-%d"))
    return frame.with_columns(casts) if casts else frame


# Plain scans printed whole: compiling them (JIT) costs more than it saves.
_READER_SETTINGS = "SET LOCAL jit = off"


def read_frames(reads: Mapping[str, Read], *, streams: int = 1) -> dict[str, pl.DataFrame]:
    """Every read of `reads`, by name.

    With `streams` > 1 on PostgreSQL, the reads run at once on that many new connections
    that import this transaction's snapshot (pg_export_snapshot), so that all see one
    committed state. Only for a caller whose transaction has written nothing it
    needs to read (the other connections cannot see uncommitted rows).
    """
    # A snapshot can be shared only from inside a transaction.
    if streams <= 1 or not _pg() or len(reads) <= 1 or not connection.in_atomic_block:
        if _pg() and connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute(_READER_SETTINGS)
        return {name: read_frame(r.sql, r.params, r.columns) for name, r in reads.items()}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
    queue = list(reads.items())  # the largest first: a stream takes the next when done
    lock = threading.Lock()
    frames: dict[str, pl.DataFrame] = {}

    def drain(cursor: Any) -> None:
        while True:
            with lock:
                if not queue:
                    return
                name, read = queue.pop(0)
            frames[name] = _copied(cursor, read)

    def other_stream() -> None:
        other = psycopg.connect(**connection.get_connection_params())
        try:
            other.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            other.read_only = True
            with other.cursor() as cursor:
                cursor.execute(
                    psycopg.sql.SQL("SET TRANSACTION SNAPSHOT {}").format(
                        psycopg.sql.Literal(snapshot)
                    )
                )
                cursor.execute(_READER_SETTINGS)
                drain(cursor)
            other.rollback()
        finally:
            other.close()

    streams = min(streams, len(reads))
    with ThreadPoolExecutor(max_workers=streams) as pool:
        for future in [pool.submit(other_stream) for _ in range(streams)]:
            future.result()
    return {name: frames[name] for name in reads}


def select_list(columns: Sequence[Column]) -> str:
    """The SQL select list of `columns`, as `read_frame` reads them."""
    return ", ".join(f"{_typed(sql, kind)}" for _name, sql, kind in columns)


def _role_order() -> pl.Expr:
    # The order of export.PARENT_ORDER: father, mother, then anything else; then by pk.
    role = pl.col("role")
    return pl.when(role == "father").then(0).when(role == "mother").then(1).otherwise(9)


def _has_disability() -> str:
    return "c.disability_category <> '' AND c.disability_grade IS NOT NULL"


_CHILD_COLUMNS: list[Column] = [
    ("_pk", "c.id", "int"),
    ("birth_date", "c.birth_date", "date"),
    ("sex", "c.sex", "str"),
    ("region_code", "c.region_id", "str"),
    ("hukou_region_code", "c.hukou_region_id", "str"),
    ("hukou_type", "c.hukou_type", "str"),
    ("in_full_time_education", "c.education", "str"),
    ("living_arrangement", "c.living_arrangement", "str"),
    ("disability.category", f"CASE WHEN {_has_disability()} THEN c.disability_category END", "str"),
    ("disability.grade", f"CASE WHEN {_has_disability()} THEN c.disability_grade END", "int"),
    ("serious_illness", "c.serious_illness", "bool"),
    (
        "serious_illness_name",
        "CASE WHEN c.serious_illness THEN c.serious_illness_name END",
        "str",
    ),
    ("household.dibao", "h.dibao", "bool"),
    ("household.tekun", "h.tekun", "bool"),
    ("household.low_income", "h.low_income", "bool"),
    ("household.dibao_child_amount", "h.dibao_child_amount", "float"),
    ("household.income_per_capita", "h.income_per_capita", "float"),
    ("guardian.relation", "c.guardian_relation", "str"),
    ("guardian.able_to_care", "c.guardian_able_to_care", "bool"),
    ("guardianship_grade", "c.guardianship_grade", "str"),
]
_PARENT_COLUMNS: list[Column] = [
    ("_pk", "p.id", "int"),
    ("_child_pk", "p.child_id", "int"),
    ("role", "p.role", "str"),
    ("vital_status", "p.vital_status", "str"),
    ("migrant_worker", "p.migrant_worker", "bool"),
]
_CONDITION_COLUMNS: list[Column] = [
    ("_pk", "pc.id", "int"),
    ("_parent_pk", "pc.parent_id", "int"),
    ("type", "pc.type", "str"),
    ("category", "pc.disability_category", "str"),
    ("grade", "pc.disability_grade", "int"),
    ("illness", "pc.illness_name", "str"),
    ("since", "pc.since", "date"),
    ("until", "pc.until", "date"),
    ("term_months", "pc.term_months", "int"),
    ("police_accepted_on", "pc.police_accepted_on", "date"),
    ("police_receipt", "pc.police_receipt", "bool"),
    ("on", "pc.on", "date"),
    ("supports_child", "pc.supports_child", "bool"),
    ("evidence.kind", "pc.evidence_kind", "str"),
    ("evidence.reference", "pc.evidence_reference", "str"),
]
_CONCERN_COLUMNS: list[Column] = [
    ("_pk", "x.id", "int"),
    ("_child_pk", "x.child_id", "int"),
    ("type", "x.type", "str"),
    ("substantiated", "x.substantiated", "bool"),
    ("since", "x.since", "date"),
]
_NEED_COLUMNS: list[Column] = [
    ("_pk", "n.id", "int"),
    ("_child_pk", "n.child_id", "int"),
    ("domain", "n.domain", "str"),
    ("level", "n.level", "str"),
    ("support", "n.support", "str"),
    ("assessed_on", "n.assessed_on", "date"),
]
_RECEIVING_COLUMNS: list[Column] = [
    ("_pk", "r.id", "int"),
    ("_child_pk", "r.child_id", "int"),
    ("programme", "r.programme", "str"),
    ("monthly_amount", "r.monthly_amount", "float"),
]


def _quote(sql: str) -> str:
    # `on` is a reserved word: quote the column (pc.on → pc."on").
    return sql.replace("pc.on", 'pc."on"')


def of_children(scope: Scope, child_id: str) -> tuple[str, str, list[Any]]:
    """The JOIN, WHERE and parameters keeping the rows whose `child_id` (a column) is an
    active child of `scope`; none for every active child (the caller joins in Polars)."""
    if scope.everyone:
        return "", "", []
    where, params = scope.where("c")
    return f"JOIN registry_child c ON c.id = {child_id}", f"WHERE {where}", params


def registry_reads(scope: Scope) -> dict[str, Read]:
    """The reads of the registry's tables that `frames_from_reads` assembles (the
    largest first)."""
    where, params = scope.where("c")
    children = Read(
        query(
            "SELECT",
            select_list(_CHILD_COLUMNS),
            "FROM registry_child c LEFT JOIN registry_household h ON h.id = c.household_id",
            "WHERE",
            where,
        ),
        params,
        _CHILD_COLUMNS,
    )
    join, where, params = of_children(scope, "p.child_id")
    parents = Read(
        query(
            "SELECT",
            select_list(_PARENT_COLUMNS),
            "FROM registry_parent p",
            join,
            where,
        ),
        params,
        _PARENT_COLUMNS,
    )
    parent = "" if scope.everyone else "JOIN registry_parent p ON p.id = pc.parent_id"
    conditions = Read(
        _quote(
            query(
                "SELECT",
                select_list(_CONDITION_COLUMNS),
                "FROM registry_parentcondition pc",
                parent,
                join,
                where,
            )
        ),
        params,
        _CONDITION_COLUMNS,
    )
    return {
        "children": children,
        "parents": parents,
        "receiving": _listed("registry_receiving", "r", _RECEIVING_COLUMNS, scope),
        "conditions": conditions,
        "concerns": _listed("registry_protectionconcern", "x", _CONCERN_COLUMNS, scope),
        "needs": _listed("registry_assessedneed", "n", _NEED_COLUMNS, scope),
    }


def frames_from_registry(scope: Scope) -> tuple[FactsFrames, pl.Series]:
    """The frames of every active child in `scope`, and each row's child pk (Int64)."""
    return frames_from_reads(read_frames(registry_reads(scope)))


def frames_from_reads(raw: Mapping[str, pl.DataFrame]) -> tuple[FactsFrames, pl.Series]:
    """The frames assembled from the frames of `registry_reads`, and each row's child pk."""
    # Rows in the order of the facts documents: children by pk, a child's parents by
    # role then pk, a parent's conditions and a child's other lists by pk.
    children = raw["children"].sort("_pk")
    children = children.with_row_index("_row").with_columns(pl.col("_row").cast(pl.Int64))

    pks = children["_pk"]
    parents = (
        _with_child(raw["parents"], pks)
        .sort("_child", _role_order(), "_pk")
        .with_row_index("_row")
        .with_columns(pl.col("_row").cast(pl.Int64))
    )
    conditions = _conditions(raw["conditions"], parents)
    concerns = _with_child(raw["concerns"], pks).sort("_child", "_pk")
    needs = _with_child(raw["needs"], pks).sort("_child", "_pk")
    receiving = _with_child(raw["receiving"], pks).sort("_child", "_pk")

    derived = [_parent_role(parents, role) for role in ("father", "mother")]
    child_frame = children.join(derived[0], on="_row", how="left", maintain_order="left").join(
        derived[1], on="_row", how="left", maintain_order="left"
    )
    child_frame = child_frame.with_columns(
        pl.col("_pk").cast(pl.String).alias("id"),
        pl.col("father.recorded").fill_null(False),
        pl.col("mother.recorded").fill_null(False),
    )
    frames = FactsFrames(
        children=_conform(child_frame, "children"),
        parents=_conform(parents, "parents"),
        conditions=_conform(conditions, "conditions"),
        concerns=_conform(concerns, "concerns"),
        needs=_conform(needs, "needs"),
        receiving=_conform(receiving, "receiving"),
    )
    return frames, children["_pk"]


def _with_child(frame: pl.DataFrame, pks: pl.Series) -> pl.DataFrame:
    """`frame` with `_child`, the row in `pks` (sorted) of its `_child_pk`; the rows of
    other children dropped. A binary search: much faster than a join."""
    index = pks.search_sorted(frame["_child_pk"]).cast(pl.Int64)
    frame = frame.with_columns(index.alias("_child")).filter(pl.col("_child") < len(pks))
    return frame.filter(pks.gather(frame["_child"]) == frame["_child_pk"])


def _conditions(frame: pl.DataFrame, parents: pl.DataFrame) -> pl.DataFrame:
    frame = frame.join(
        parents.select(
            pl.col("_pk").alias("_parent_pk"), pl.col("_row").alias("_parent"), "_child"
        ),
        on="_parent_pk",
        how="inner",
    ).sort("_parent", "_pk")
    # A condition carries only the fields of its type, as in the facts document.
    masked = []
    for name in FRAME_SCHEMAS["conditions"]:
        if name.startswith("_") or name == "type":
            continue
        field = name.split(".")[0]
        types = [t for t, fields in CONDITION_FIELDS.items() if field in fields]
        masked.append(pl.when(pl.col("type").is_in(types)).then(pl.col(name)).alias(name))
    frame = frame.with_columns(masked)
    # No evidence without its kind (export: evidence only when a kind is recorded).
    return frame.with_columns(
        pl.when(pl.col("evidence.kind").is_not_null())
        .then(pl.col("evidence.reference"))
        .alias("evidence.reference")
    )


def _listed(table: str, alias: str, columns: list[Column], scope: Scope) -> Read:
    join, where, params = of_children(scope, f"{alias}.child_id")
    return Read(
        query(
            "SELECT",
            select_list(columns),
            "FROM",
            table,
            alias,
            join,
            where,
        ),
        params,
        columns,
    )


def _parent_role(parents: pl.DataFrame, role: str) -> pl.DataFrame:
    """Per child row, its first parent with `role` as the derived `father.*`/`mother.*`."""
    fields = [c for c in FRAME_SCHEMAS["parents"] if c != "_child"]
    return (
        # Parents are in order (child, role, pk): the first row of each child is its own.
        parents.filter(pl.col("role") == role)
        .filter(pl.col("_child").is_first_distinct())
        .select(
            pl.col("_child").alias("_row"),
            pl.lit(True).alias(f"{role}.recorded"),
            *[pl.col(f).alias(f"{role}.{f}") for f in fields],
            pl.col("_row").alias(f"{role}._row"),
        )
    )


def _conform(frame: pl.DataFrame, name: str) -> pl.DataFrame:
    """Exactly the columns of FRAME_SCHEMAS[name], in order and type."""
    schema = FRAME_SCHEMAS[name]
    return frame.select(
        [
            (pl.col(c) if c in frame.columns else pl.lit(None)).cast(dtype).alias(c)
            for c, dtype in schema.items()
        ]
    )
