"""The family generator on its own: deterministic, realistic rates, unique ID numbers."""

from __future__ import annotations

import datetime as dt
import random

from hehu.demo.conditions import add_months
from hehu.demo.divisions import county_divisions
from hehu.demo.population import FamilyGenerator
from hehu.demo.rows import (
    CHILD_FIELDS,
    DEMO_OVERSAMPLE,
    PARENT_FIELDS,
    REALISTIC,
    Bases,
    Batch,
    Oversample,
    Village,
)
from hehu.regions.codes import TownshipKind, VillageKind, parse

AS_OF = dt.date(2026, 3, 1)
VILLAGES = [
    Village(d.code, d.name, d.rural)
    for d in county_divisions("511524", "长宁县", seed=1)
    if d.level == "village"
]


def generate(seed: int, count: int, oversample: Oversample = REALISTIC, **kwargs) -> Batch:
    generator = FamilyGenerator(
        rng=random.Random(seed),
        as_of=AS_OF,
        villages=VILLAGES,
        county_names={"511524": "长宁县"},
        bases=Bases(),
        oversample=oversample,
        **kwargs,
    )
    return generator.generate(first=0, count=count)


def without_ciphertext(batch: Batch) -> list[tuple]:
    return [row[:1] + row[2:] for row in batch.children]


def test_the_same_seed_gives_the_same_population():
    first, second = generate(5, 400), generate(5, 400)
    assert without_ciphertext(first) == without_ciphertext(second)
    assert first.parents == second.parents
    assert first.conditions == second.conditions
    assert without_ciphertext(generate(6, 400)) != without_ciphertext(first)


def test_it_writes_exactly_the_children_asked_for_with_unique_keys():
    batch = generate(1, 1234)
    ids = [row[0] for row in batch.children]
    assert len(ids) == 1234
    assert len(set(ids)) == 1234
    for name in ("households", "members", "parents", "conditions", "receiving"):
        keys = [row[0] for row in getattr(batch, name)]
        assert len(keys) == len(set(keys))


def test_id_numbers_never_repeat_across_chunks_of_one_county():
    index = CHILD_FIELDS.index("id_number_index")
    seen: set[str] = set()
    for slot in range(3):
        batch = generate(slot, 3000, id_slot=slot, id_slots=3)
        numbers = [row[index] for row in batch.children if row[index]]
        assert len(numbers) == len(set(numbers))
        assert seen.isdisjoint(numbers)
        seen.update(numbers)


def vital(batch: Batch) -> dict[int, set[str]]:
    child, status = PARENT_FIELDS.index("child_id"), PARENT_FIELDS.index("vital_status")
    result: dict[int, set[str]] = {}
    for row in batch.parents:
        result.setdefault(row[child], set()).add(row[status])
    return result


def orphans(batch: Batch) -> int:
    gone = {"dead", "declared_dead", "declared_missing", "unknown"}
    return sum(1 for statuses in vital(batch).values() if statuses <= gone)


def disabled(batch: Batch) -> int:
    index = CHILD_FIELDS.index("disability_category")
    return sum(1 for row in batch.children if row[index])


def test_rare_categories_are_rare_unless_over_sampled():
    realistic = generate(3, 20_000)
    demo = generate(3, 20_000, DEMO_OVERSAMPLE)
    # Orphans ≈ 0.05% of children and disabled children ≈ 0.5% (DOMAIN.md §12).
    assert orphans(realistic) < 40
    assert disabled(realistic) < 200
    assert orphans(demo) > 5 * max(orphans(realistic), 10)
    assert disabled(demo) > 2 * disabled(realistic)


def test_left_behind_children_live_in_rural_villages():
    batch = generate(4, 5000)
    arrangement = CHILD_FIELDS.index("living_arrangement")
    region, hukou = CHILD_FIELDS.index("region_id"), CHILD_FIELDS.index("hukou_type")
    with_relatives = [row for row in batch.children if row[arrangement] == "with_relatives"]
    rural = sum(1 for row in with_relatives if row[hukou] == "rural")
    assert rural > 0.8 * len(with_relatives) > 200
    assert any(parse(row[region]).village_kind == VillageKind.VILLAGERS for row in with_relatives)


def test_synthetic_divisions_follow_the_digit_ranges_and_include_the_fixed_codes():
    divisions = county_divisions("511524", "长宁县", seed=1)
    codes = {d.code for d in divisions}
    assert {"511524001001", "511524100201", "511524200201"} <= codes
    for d in divisions:
        parsed = parse(d.code)
        assert parsed.township_kind in (
            TownshipKind.STREET,
            TownshipKind.TOWN,
            TownshipKind.TOWNSHIP,
        )
        if d.level == "village":
            assert parsed.village_kind is not None
            assert d.rural == (parsed.village_kind == VillageKind.VILLAGERS)
            assert d.urban_rural.startswith("2") == d.rural or d.urban_rural == "210"
        assert d.name.startswith("（演示）")


def test_months_are_added_by_the_civil_code_rule():
    assert add_months(dt.date(2024, 3, 1), 36) == dt.date(2027, 3, 1)
    assert add_months(dt.date(2025, 8, 31), 6) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2025, 11, 15), 2) == dt.date(2026, 1, 15)
