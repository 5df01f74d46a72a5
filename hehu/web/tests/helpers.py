"""Helpers for web tests: the POST body of the child form as a browser would send it."""

from __future__ import annotations

from typing import Any

from hehu.regions.tests.factories import region
from hehu.registry.tests.factories import VILLAGE

FORMSETS = ("member", "father-cond", "mother-cond", "concern", "receiving")


def management(prefix: str, total: int, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def child_post(**fields: Any) -> dict[str, str]:
    """A registration as typed: a girl living with her grandmother, no ID number yet.

    Keyword arguments override fields by their form names ("father-cond-0-type", …).
    """
    region(VILLAGE)
    data: dict[str, str] = {
        "name": "王小花",
        "sex": "female",
        "birth_date": "2015-03-02",
        "id_number": "",
        "no_id_reason": "not_yet_issued",
        "region_code": VILLAGE,
        "hukou_region_code": VILLAGE,
        "hukou_type": "rural",
        "living_arrangement": "with_relatives",
        "education": "primary",
    }
    for prefix in FORMSETS:
        data.update(management(prefix, 2))
    data.update({k: str(v) for k, v in fields.items()})
    return data


def with_parent_condition(**fields: Any) -> dict[str, str]:
    """A registration whose mother is imprisoned, with the judgment as evidence."""
    return child_post(
        **{
            "mother-name": "李梅",
            "mother-vital_status": "alive",
            "mother-cond-0-type": "imprisoned",
            "mother-cond-0-since": "2024-03-01",
            "mother-cond-0-term_months": "36",
            "mother-cond-0-evidence_kind": "judgment",
            "mother-cond-0-evidence_reference": "(2024)川1502刑初1号",
            **fields,
        }
    )
