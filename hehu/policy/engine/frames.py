"""Many facts documents in columnar form: six Polars frames linked by row indexes.

`children` holds one row per child with every scalar fact (nested structs flattened with
dots, e.g. `household.dibao`) and the derived parents `father.*`/`mother.*`; the lists of
a facts document become their own frames (`parents`, `conditions`, `concerns`, `needs`,
`receiving`) whose `_child` (and, for conditions, `_parent`) columns are row indexes into
`children` (and `parents`). `columnar` evaluates a policy over these frames. Another
module can build the same frames straight from a database by following `FRAME_SCHEMAS`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from hehu.policy.engine.types import STRUCTS, Type

_POLARS_TYPES: dict[str, pl.DataType] = {
    "bool": pl.Boolean(),
    "int": pl.Int64(),
    "double": pl.Float64(),
    "string": pl.String(),
    "date": pl.Date(),
}

ROW = pl.Int64()  # row indexes (`_child`, `_parent`, `father._row`)


def polars_type(typ: Type) -> pl.DataType:
    """The column type of a scalar fact: a closed set of strings is a `pl.Enum`, so that
    comparing it with a literal compares small integers, not text."""
    if typ.kind == "string" and typ.enum is not None:
        return pl.Enum(list(typ.enum))
    return _POLARS_TYPES[typ.kind]


def _scalar_columns(struct: str, prefix: str = "") -> dict[str, pl.DataType]:
    """The scalar fields of `struct` (nested structs flattened with dots) as Polars types."""
    columns: dict[str, pl.DataType] = {}
    for name, typ in STRUCTS[struct].items():
        if typ.kind == "struct" and typ.struct is not None:
            columns.update(_scalar_columns(typ.struct, f"{prefix}{name}."))
        elif typ.kind in _POLARS_TYPES:
            columns[f"{prefix}{name}"] = polars_type(typ)
    return columns


def _parent_columns(prefix: str) -> dict[str, pl.DataType]:
    """Columns of a derived parent (`father.`/`mother.`) in `children`."""
    columns = {f"{prefix}{name}": dtype for name, dtype in _scalar_columns("Parent").items()}
    columns[f"{prefix}_row"] = ROW
    return columns


def _child_columns() -> dict[str, pl.DataType]:
    columns: dict[str, pl.DataType] = {}
    for name, typ in STRUCTS["Child"].items():
        if name in ("father", "mother"):
            continue
        if typ.kind == "struct" and typ.struct is not None:
            columns.update(_scalar_columns(typ.struct, f"{name}."))
        elif typ.kind in _POLARS_TYPES:
            columns[name] = polars_type(typ)
    columns.update(_parent_columns("father."))
    columns.update(_parent_columns("mother."))
    return columns


def _without_recorded(columns: dict[str, pl.DataType]) -> dict[str, pl.DataType]:
    # An entry of `parents` is recorded by definition: only the derived roots carry it.
    return {name: dtype for name, dtype in columns.items() if name != "recorded"}


FRAME_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "children": _child_columns(),
    "parents": {"_child": ROW, **_without_recorded(_scalar_columns("Parent"))},
    "conditions": {"_parent": ROW, "_child": ROW, **_scalar_columns("Condition")},
    "concerns": {"_child": ROW, **_scalar_columns("Concern")},
    "needs": {"_child": ROW, **_scalar_columns("Need")},
    "receiving": {"_child": ROW, **_scalar_columns("Receiving")},
}

# The struct each list frame holds, and the list field of the facts document it comes from.
LIST_FRAMES: dict[str, str] = {
    "parents": "Parent",
    "conditions": "Condition",
    "concerns": "Concern",
    "needs": "Need",
    "receiving": "Receiving",
}


@dataclass
class FactsFrames:
    """The columnar form of many facts documents (see the module docstring)."""

    children: pl.DataFrame
    parents: pl.DataFrame
    conditions: pl.DataFrame
    concerns: pl.DataFrame
    needs: pl.DataFrame
    receiving: pl.DataFrame

    def frame(self, name: str) -> pl.DataFrame:
        """The frame called `name` ("children", "parents", …)."""
        frame: pl.DataFrame = getattr(self, name)
        return frame

    def __len__(self) -> int:
        return self.children.height


def conform(frames: FactsFrames) -> FactsFrames:
    """`frames` with the enum columns of `FRAME_SCHEMAS` as `pl.Enum`.

    Frames built before the enums (text columns, e.g. read from a database or a file) are
    accepted: their text is cast, a value outside the enum becoming null (a schema-valid
    facts document has none). Frames already conforming are returned as they are.
    """
    changed = False
    conformed: dict[str, pl.DataFrame] = {}
    for name, schema in FRAME_SCHEMAS.items():
        frame = frames.frame(name)
        casts = [
            pl.col(column).cast(dtype, strict=False)
            for column, dtype in schema.items()
            if isinstance(dtype, pl.Enum)
            and column in frame.schema
            and frame.schema[column] != dtype
        ]
        if casts:
            frame = frame.with_columns(casts)
            changed = True
        conformed[name] = frame
    return FactsFrames(**conformed) if changed else frames


def _plain(value: Any) -> Any:
    """A JSON value as a column wants it: dates as ISO text (parsed column-wise later)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _flatten(
    document: Mapping[str, Any] | None, columns: Sequence[str], prefix: str = ""
) -> list[Any]:
    """The values of dotted `columns` (relative to `prefix`) in `document`, None when absent."""
    values: list[Any] = []
    for column in columns:
        node: Any = document
        for part in column[len(prefix) :].split("."):
            node = node.get(part) if isinstance(node, Mapping) else None
        values.append(_plain(node))
    return values


def _frame(rows: list[list[Any]], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Rows of plain values → a frame of `schema` (dates parsed from ISO text)."""
    # Column by column: much faster than Polars' row orientation. Dates and enums are read
    # as text first, then parsed or cast column-wise.
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    series = [
        pl.Series(name, values, dtype=pl.String() if _from_text(dtype) else dtype)
        for (name, dtype), values in zip(schema.items(), columns, strict=True)
    ]
    frame = pl.DataFrame(series)
    dates = [name for name, dtype in schema.items() if dtype == pl.Date()]
    if dates:
        frame = frame.with_columns(pl.col(dates).str.to_date("%Y-%m-%d"))
    enums = [
        pl.col(name).cast(dtype, strict=False)
        for name, dtype in schema.items()
        if isinstance(dtype, pl.Enum)
    ]
    return frame.with_columns(enums) if enums else frame


def _from_text(dtype: pl.DataType) -> bool:
    return dtype == pl.Date() or isinstance(dtype, pl.Enum)


def frames_from_documents(documents: Sequence[Mapping[str, Any]]) -> FactsFrames:
    """JSON-form facts documents (DOMAIN.md §11, already schema-valid) → `FactsFrames`."""
    child_schema = FRAME_SCHEMAS["children"]
    own_columns = [c for c in child_schema if not c.startswith(("father.", "mother."))]
    parent_fields = [c for c in FRAME_SCHEMAS["parents"] if c != "_child"]
    condition_fields = [c for c in FRAME_SCHEMAS["conditions"] if not c.startswith("_")]
    concern_fields = [c for c in FRAME_SCHEMAS["concerns"] if c != "_child"]
    need_fields = [c for c in FRAME_SCHEMAS["needs"] if c != "_child"]
    receiving_fields = [c for c in FRAME_SCHEMAS["receiving"] if c != "_child"]

    children: list[list[Any]] = []
    parents: list[list[Any]] = []
    conditions: list[list[Any]] = []
    concerns: list[list[Any]] = []
    needs: list[list[Any]] = []
    receiving: list[list[Any]] = []
    for index, document in enumerate(documents):
        derived: dict[str, list[Any]] = {}
        for parent in document.get("parents") or ():
            row = len(parents)
            parents.append([index, *_flatten(parent, parent_fields)])
            role = parent.get("role")
            # The first entry of a role is that parent (the schema allows two entries).
            if role in ("father", "mother") and role not in derived:
                derived[role] = [True, *_flatten(parent, parent_fields), row]
            for condition in parent.get("conditions") or ():
                conditions.append([row, index, *_flatten(condition, condition_fields)])
        for concern in document.get("protection_concerns") or ():
            concerns.append([index, *_flatten(concern, concern_fields)])
        for need in document.get("assessed_needs") or ():
            needs.append([index, *_flatten(need, need_fields)])
        for item in document.get("receiving") or ():
            receiving.append([index, *_flatten(item, receiving_fields)])
        absent = [False] + [None] * (len(parent_fields) + 1)
        children.append(
            [
                *_flatten(document, own_columns),
                *derived.get("father", absent),
                *derived.get("mother", absent),
            ]
        )
    return FactsFrames(
        children=_frame(children, child_schema),
        parents=_frame(parents, FRAME_SCHEMAS["parents"]),
        conditions=_frame(conditions, FRAME_SCHEMAS["conditions"]),
        concerns=_frame(concerns, FRAME_SCHEMAS["concerns"]),
        needs=_frame(needs, FRAME_SCHEMAS["needs"]),
        receiving=_frame(receiving, FRAME_SCHEMAS["receiving"]),
    )


def empty_frames() -> FactsFrames:
    """Frames with no child (every column typed)."""
    return frames_from_documents([])
