"""Rows of the synthetic population: column orders, primary keys, batches, ID numbers.

Generators write plain tuples in the column order of `*_FIELDS` with explicit primary
keys, so that the rows of a chunk can be produced in any process and written by any writer
(`hehu.demo.writers`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from hehu.registry.idnumber import CHECK_CHARACTERS, WEIGHTS

Row = tuple[Any, ...]

HOUSEHOLD_FIELDS = (
    "id",
    "region_id",
    "address",
    "dibao",
    "tekun",
    "low_income",
    "dibao_child_amount",
    "income_per_capita",
)
MEMBER_FIELDS = ("id", "household_id", "name", "relation", "birth_date", "notes")
CHILD_FIELDS = (
    "id",
    "id_number_encrypted",
    "id_number_index",
    "id_number_last4",
    "no_id_reason",
    "name",
    "name_key",
    "name_pinyin",
    "sex",
    "birth_date",
    "region_id",
    "hukou_region_id",
    "hukou_type",
    "education",
    "living_arrangement",
    "disability_category",
    "disability_grade",
    "disability_certificate",
    "serious_illness",
    "serious_illness_name",
    "household_id",
    "guardian_name",
    "guardian_relation",
    "guardian_able_to_care",
    "guardian_phone",
    "guardianship_grade",
    "status",
)
PARENT_FIELDS = ("id", "child_id", "role", "name", "vital_status", "migrant_worker", "phone")
CONDITION_FIELDS = (
    "id",
    "parent_id",
    "type",
    "since",
    "until",
    "term_months",
    "disability_category",
    "disability_grade",
    "illness_name",
    "police_accepted_on",
    "police_receipt",
    "on",
    "supports_child",
    "evidence_kind",
    "evidence_reference",
)
CONCERN_FIELDS = ("id", "child_id", "type", "substantiated", "since")
RECEIVING_FIELDS = ("id", "child_id", "programme", "monthly_amount")
TABLES = ("households", "members", "children", "parents", "conditions", "concerns", "receiving")

# Primary keys are derived from a child's global index g (its position in the whole
# population), so chunks generated in different processes never collide:
# household = base + g of its first child, member = base + 4g + j, parent = base + 2g + r,
# condition = base + 4g + 2r + j, concern = base + g, receiving = base + 2g + j.
MEMBERS_PER_HOUSEHOLD = 4
CONDITIONS_PER_PARENT = 2
RECEIVING_PER_CHILD = 2


@dataclass(frozen=True)
class Bases:
    """The first free primary key of each table (max(id) + 1 before the load)."""

    household: int = 1
    member: int = 1
    child: int = 1
    parent: int = 1
    condition: int = 1
    concern: int = 1
    receiving: int = 1


@dataclass
class Batch:
    households: list[Row] = field(default_factory=list)
    members: list[Row] = field(default_factory=list)
    children: list[Row] = field(default_factory=list)
    parents: list[Row] = field(default_factory=list)
    conditions: list[Row] = field(default_factory=list)
    concerns: list[Row] = field(default_factory=list)
    receiving: list[Row] = field(default_factory=list)
    without_id: int = 0

    def counts(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in TABLES}


@dataclass(frozen=True)
class Village:
    code: str
    name: str
    rural: bool
    weight: float = 1.0


@dataclass(frozen=True)
class Oversample:
    """Multipliers of the realistic rates of rare categories (1 = realistic)."""

    orphan: float = 1.0
    de_facto: float = 1.0
    disabled: float = 1.0


REALISTIC = Oversample()
# The demo shows a county officer some of each rare category (`demo_load --help` says so).
DEMO_OVERSAMPLE = Oversample(orphan=20.0, de_facto=10.0, disabled=4.0)


@cache
def _id_head(county: str, birth_date: dt.date) -> tuple[str, int]:
    """The first 14 characters of an ID number and their weighted sum (GB 11643)."""
    head = f"{county}{birth_date:%Y%m%d}"
    return head, sum(int(d) * w for d, w in zip(head, WEIGHTS[:14], strict=True))


def id_number_for(county: str, birth_date: dt.date, sequence: int) -> str:
    """A resident ID number: address code, birth date, 3-digit sequence, check character
    (the registry's `check_character`, with the sum of the first 14 digits cached)."""
    head, partial = _id_head(county, birth_date)
    total = partial + (sequence // 100) * WEIGHTS[14] + (sequence // 10 % 10) * WEIGHTS[15]
    total += sequence % 10 * WEIGHTS[16]
    return f"{head}{sequence:03d}{CHECK_CHARACTERS[total % 11]}"
