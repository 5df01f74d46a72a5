"""Facts documents → columnar frames."""

from __future__ import annotations

import datetime as dt

import polars as pl

from hehu.policy.engine import types
from hehu.policy.engine.frames import FRAME_SCHEMAS, FactsFrames, conform, frames_from_documents

DOC = {
    "id": "ext-001",
    "birth_date": "2015-03-02",
    "sex": "female",
    "region_code": "511502100201",
    "disability": {"category": "intellectual", "grade": 2},
    "household": {"dibao": True, "dibao_child_amount": 400, "income_per_capita": 310.5},
    "parents": [
        {"role": "father", "vital_status": "dead"},
        {
            "role": "mother",
            "vital_status": "alive",
            "migrant_worker": False,
            "conditions": [
                {"type": "imprisoned", "since": "2024-03-01", "term_months": 36},
                {
                    "type": "lost_contact",
                    "police_accepted_on": "2025-01-10",
                    "police_receipt": True,
                    "evidence": {"kind": "police_receipt", "reference": "R-1"},
                },
            ],
        },
    ],
    "guardian": {"relation": "grandparent", "able_to_care": False},
    "protection_concerns": [{"type": "neglect", "substantiated": True, "since": "2025-05-01"}],
    "receiving": [{"programme": "dibao_child", "monthly_amount": 400}],
}
BARE = {"id": "bare", "birth_date": "2016-02-29"}


def test_it_types_every_frame_as_the_published_schemas() -> None:
    frames = frames_from_documents([DOC, BARE])
    for name, schema in FRAME_SCHEMAS.items():
        assert dict(frames.frame(name).schema) == schema


def test_it_flattens_nested_facts_with_dots_and_parses_dates_and_money() -> None:
    children = frames_from_documents([DOC]).children
    row = children.row(0, named=True)
    assert row["birth_date"] == dt.date(2015, 3, 2)
    assert row["disability.grade"] == 2
    assert row["household.dibao_child_amount"] == 400.0
    assert row["household.tekun"] is None
    assert row["guardian.able_to_care"] is False


def test_it_derives_father_and_mother_with_their_row_in_parents() -> None:
    frames = frames_from_documents([BARE, DOC])
    child = frames.children.row(1, named=True)
    assert child["father.recorded"] is True
    assert child["father.vital_status"] == "dead"
    assert frames.parents.row(child["mother._row"], named=True)["role"] == "mother"
    bare = frames.children.row(0, named=True)
    assert bare["father.recorded"] is False
    assert bare["mother._row"] is None
    assert bare["mother.vital_status"] is None


def test_it_links_list_rows_to_their_child_and_parent() -> None:
    frames = frames_from_documents([BARE, DOC])
    assert frames.parents["_child"].to_list() == [1, 1]
    assert frames.conditions["_parent"].to_list() == [1, 1]
    assert frames.conditions["_child"].to_list() == [1, 1]
    assert frames.conditions["evidence.kind"].to_list() == [None, "police_receipt"]
    assert frames.conditions["police_accepted_on"].to_list() == [None, dt.date(2025, 1, 10)]
    assert frames.concerns["_child"].to_list() == [1]
    assert frames.receiving["monthly_amount"].to_list() == [400.0]


def test_it_builds_empty_typed_frames_from_no_documents() -> None:
    frames = frames_from_documents([])
    assert frames.children.height == 0
    assert frames.conditions.schema["since"] == pl.Date()


def test_it_types_a_closed_set_of_strings_as_an_enum() -> None:
    assert FRAME_SCHEMAS["parents"]["vital_status"] == pl.Enum(list(types.VITAL_STATUSES))
    assert FRAME_SCHEMAS["children"]["father.vital_status"] == pl.Enum(list(types.VITAL_STATUSES))
    assert FRAME_SCHEMAS["children"]["region_code"] == pl.String  # an open string stays text
    frames = frames_from_documents([DOC])
    assert frames.conditions["type"].to_list() == ["imprisoned", "lost_contact"]


def test_it_conforms_text_columns_to_the_enums_and_leaves_conforming_frames_alone() -> None:
    frames = frames_from_documents([DOC])
    assert conform(frames) is frames
    as_text = FactsFrames(
        **{
            name: frames.frame(name).with_columns(pl.col(pl.Enum).cast(pl.String))
            for name in FRAME_SCHEMAS
        }
    )
    as_text.children = as_text.children.with_columns(pl.lit("no_such_sex").alias("sex"))
    conformed = conform(as_text)
    for name in FRAME_SCHEMAS:
        assert conformed.frame(name).schema == frames.frame(name).schema
    assert conformed.parents.equals(frames.parents)
    assert conformed.children["sex"].to_list() == [None]  # outside the enum: null
