from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from django.core.management import call_command

from hehu.accounts.models import Department, Role
from hehu.accounts.tests.factories import make_user
from hehu.audit.models import AuditEntry, Verb
from hehu.core.errors import PermissionRefused, ValidationFailed
from hehu.policy.engine.columnar import compile_policy
from hehu.policy.engine.frames import frames_from_documents
from hehu.policy.engine.load import load_policy_file
from hehu.policy.models import PolicyVersion
from hehu.policy.services.policies import NoPolicyInEffect, policies_in_force
from hehu.policy.simulation.models import Simulation, SimulationChange
from hehu.policy.simulation.services import (
    frames_subset,
    simulation_create,
    simulation_request,
    simulation_run,
)
from hehu.regions.tests.factories import region
from hehu.registry.models import Child
from hehu.registry.tests.factories import ChildFactory, HouseholdFactory, ParentFactory

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 3, 1)
VILLAGE = "511502001001"
NEIGHBOUR_VILLAGE = "511502001002"
OTHER_COUNTY = "511524100201"
NATIONAL = Path(__file__).resolve().parents[3] / "policies" / "cn-national.yaml"
NEW_CATEGORY = """  - code: low_income_child
    name: {zh: 低收入家庭儿童, en: "child in a low-income household"}
    clauses:
      - is_minor
      - label: {zh: 家庭为低收入家庭, en: "low-income household"}
        when: household.low_income == true

umbrellas:"""


def draft_source(version: str = "2027.1") -> str:
    """The national policy with the left-behind age raised to 18, dibao_child dropped and a
    low-income category added."""
    text = NATIONAL.read_text(encoding="utf-8").replace(
        'version: "2026.1"', f'version: "{version}"'
    )
    age = '"left-behind children are under this age"}\n    values:\n      - value: 16'
    assert age in text
    text = text.replace(age, age[:-2] + "18")
    start, end = text.index("  - code: dibao_child"), text.index("  - code: disabled_child")
    text = text[:start] + text[end:]
    text = text.replace("any_of: [tekun_minor, dibao_child]", "any_of: [tekun_minor]")
    return text.replace("umbrellas:", NEW_CATEGORY, 1)


def make_draft(version: str = "2027.1", **fields) -> PolicyVersion:
    policies_in_force()  # the shipped national policy, approved, as the baseline
    values = {
        "policy_id": "cn-national",
        "version": version,
        "jurisdiction": "national",
        "title_zh": "困境儿童认定（草案）",
        "title_en": "Children in distress (draft)",
        "source": draft_source(version),
        "status": PolicyVersion.Status.DRAFT,
        "effective_from": dt.date(2016, 6, 13),
    }
    values.update(fields)
    return PolicyVersion.objects.create(**values)


def _child(code: str, name: str, **fields) -> Child:
    return ChildFactory(name=name, region=region(code), **fields)


def population() -> dict[str, Child]:
    """Five children: what each one does under the draft is in its name."""
    aged_16 = _child(VILLAGE, "十六岁留守", birth_date=dt.date(2009, 6, 1))
    aged_10 = _child(VILLAGE, "十岁留守", birth_date=dt.date(2015, 3, 2))
    for child in (aged_16, aged_10):
        ParentFactory(child=child, role="father", migrant_worker=True)
        ParentFactory(child=child, role="mother", migrant_worker=True)
    dibao = _child(
        NEIGHBOUR_VILLAGE,
        "低保退出",
        household=HouseholdFactory(region=region(NEIGHBOUR_VILLAGE), dibao=True),
    )
    low_income = _child(
        OTHER_COUNTY,
        "低收入纳入",
        household=HouseholdFactory(region=region(OTHER_COUNTY), low_income=True),
    )
    dibao_elsewhere = _child(
        OTHER_COUNTY,
        "外县低保退出",
        household=HouseholdFactory(region=region(OTHER_COUNTY), dibao=True),
    )
    return {
        "aged_16": aged_16,
        "aged_10": aged_10,
        "dibao": dibao,
        "low_income": low_income,
        "dibao_elsewhere": dibao_elsewhere,
    }


def run(draft: PolicyVersion, scope: str = "") -> Simulation:
    simulation = simulation_create(actor=None, draft=draft, as_of=AS_OF, scope=scope)
    return simulation_run(simulation=simulation)


def changes(simulation: Simulation) -> set[tuple[str, str, str]]:
    return {
        (c.child.name, c.category, c.direction)
        for c in SimulationChange.objects.filter(simulation=simulation).select_related("child")
    }


def test_it_finds_who_enters_and_leaves_under_the_draft():
    population()
    simulation = run(make_draft())
    assert simulation.status == Simulation.Status.DONE
    assert simulation.children == 5
    assert changes(simulation) == {
        ("十六岁留守", "left_behind", "entered"),
        ("低保退出", "dibao_child", "left"),
        ("外县低保退出", "dibao_child", "left"),
        ("低收入纳入", "low_income_child", "entered"),
    }
    national = simulation.summary["levels"]["0"][""]
    assert national["_n"] == 5
    assert national["left_behind"] == [1, 2, 1, 0]
    assert national["dibao_child"] == [2, 0, 0, 2]  # dropped by the draft: nobody holds it
    assert national["low_income_child"] == [0, 1, 1, 0]  # only in the draft
    assert simulation.summary["baseline"] == ["cn-national@2026.1"]
    codes = [c["code"] for c in simulation.categories]
    assert codes[-1] == "dibao_child"
    assert "low_income_child" in codes
    assert set(simulation.timings) >= {"build_frames", "draft", "baseline", "aggregate", "store"}


def test_it_aggregates_at_every_level():
    population()
    levels = run(make_draft()).summary["levels"]
    assert set(levels) == {"0", "2", "4", "6", "9", "12"}
    assert list(levels["2"]) == ["51"]
    assert list(levels["4"]) == ["5115"]
    assert levels["6"]["511502"]["_n"] == 3
    assert levels["6"]["511524"]["_n"] == 2
    assert levels["6"]["511502"]["dibao_child"] == [1, 0, 0, 1]
    assert levels["6"]["511524"]["low_income_child"] == [0, 1, 1, 0]
    assert levels["9"]["511502001"]["left_behind"] == [1, 2, 1, 0]
    assert levels["12"][VILLAGE]["_n"] == 2
    assert levels["12"][NEIGHBOUR_VILLAGE]["dibao_child"] == [1, 0, 0, 1]
    # Each level adds up to the national total.
    for level in levels.values():
        assert sum(r["_n"] for r in level.values()) == 5
        assert sum(r["dibao_child"][3] for r in level.values()) == 2


def test_it_simulates_only_the_scope():
    population()
    simulation = run(make_draft(), scope="511524")
    assert simulation.children == 2
    assert changes(simulation) == {
        ("外县低保退出", "dibao_child", "left"),
        ("低收入纳入", "low_income_child", "entered"),
    }
    assert "511502" not in simulation.summary["levels"]["6"]


def test_it_counts_no_change_when_the_draft_equals_the_policy_in_force():
    population()
    same = NATIONAL.read_text(encoding="utf-8").replace('version: "2026.1"', 'version: "2027.2"')
    simulation = run(make_draft("2027.2", source=same))
    assert not SimulationChange.objects.filter(simulation=simulation).exists()
    for cells in simulation.summary["levels"]["0"][""].values():
        if isinstance(cells, list):
            assert cells[0] == cells[1]
            assert cells[2] == cells[3] == 0


def test_a_provincial_draft_is_simulated_over_its_province_only():
    population()
    region("110101001001")
    override = make_draft(
        "51-2027.1",
        policy_id="cn-51",
        jurisdiction="51",
        extends="cn-national@2026.1",
        source=(
            'hehu_policy: 1\nid: cn-51\nversion: "51-2027.1"\njurisdiction: "51"\n'
            "extends: cn-national@2026.1\neffective_from: 2016-06-13\neffective_to: null\n"
            "title: {zh: 四川省草案, en: Sichuan draft}\n"
        ),
    )
    simulation = simulation_create(actor=None, draft=override, as_of=AS_OF, scope="")
    assert simulation.scope == "51"
    with pytest.raises(ValidationFailed):
        simulation_create(actor=None, draft=override, as_of=AS_OF, scope="11")


def test_a_failed_run_is_recorded():
    population()
    # Nothing is in force in 2000: the baseline cannot be found.
    simulation = simulation_create(actor=None, draft=make_draft(), as_of=dt.date(2000, 1, 1))
    with pytest.raises(NoPolicyInEffect):
        simulation_run(simulation=simulation)
    simulation.refresh_from_db()
    assert simulation.status == Simulation.Status.FAILED
    assert simulation.error
    assert simulation.finished_at is not None


def test_it_is_requested_within_the_jurisdiction_and_runs_after_commit(
    django_capture_on_commit_callbacks,
):
    population()
    county = make_user(
        Role.COUNTY_CIVIL_AFFAIRS, "511502", department=Department.CIVIL_AFFAIRS, username="c1"
    )
    draft = make_draft()
    with django_capture_on_commit_callbacks(execute=True):
        simulation = simulation_request(actor=county, draft=draft, as_of=AS_OF)
    simulation.refresh_from_db()
    assert simulation.scope == "511502"
    assert simulation.status == Simulation.Status.DONE
    assert simulation.requested_by == county
    entry = AuditEntry.objects.get(verb=Verb.SIMULATION_RUN)
    assert entry.actor == county
    assert entry.changes["draft"] == "cn-national@2027.1"
    with pytest.raises(ValidationFailed):
        simulation_request(actor=county, draft=draft, as_of=AS_OF, scope="511524")
    with pytest.raises(ValidationFailed):
        simulation_request(actor=county, draft=draft, as_of=AS_OF, scope="51")


def test_it_refuses_a_simulation_without_the_permission(village_director):
    draft = make_draft()
    with pytest.raises(PermissionRefused):
        simulation_request(actor=village_director, draft=draft, as_of=AS_OF)
    assert not Simulation.objects.exists()


def test_it_refuses_a_retired_version():
    draft = make_draft(status=PolicyVersion.Status.RETIRED)
    with pytest.raises(ValidationFailed):
        simulation_create(actor=None, draft=draft, as_of=AS_OF)


def test_the_command_prints_the_counts():
    from io import StringIO

    population()
    make_draft()
    out = StringIO()
    call_command(
        "simulate_policy", "--draft", "cn-national@2027.1", "--as-of", "2026-03-01", stdout=out
    )
    text = out.getvalue()
    assert "5 children" in text
    assert any(
        line.split()[:5] == ["dibao_child", "2", "0", "0", "2"] for line in text.splitlines()
    )


def test_a_subset_of_frames_classifies_like_the_whole():
    documents = [
        {
            "id": f"c{i}",
            "birth_date": "2015-03-02" if i % 2 else "2009-01-01",
            "sex": "female",
            "region_code": "511502001001" if i % 3 else "110101001001",
            "hukou_type": "rural",
            "parents": [
                {
                    "role": "father",
                    "vital_status": "dead" if i % 4 == 0 else "alive",
                    "migrant_worker": i % 5 == 0,
                    "conditions": [
                        {"type": "imprisoned", "since": "2025-01-01", "term_months": 12 * (i % 3)}
                    ],
                },
                {"role": "mother", "vital_status": "alive", "migrant_worker": True},
            ],
            "protection_concerns": [{"type": "neglect", "substantiated": i % 2 == 0}],
        }
        for i in range(40)
    ]
    frames = frames_from_documents(documents)
    compiled = compile_policy(load_policy_file(NATIONAL))
    whole = compiled.run(frames, AS_OF)
    keep = frames.children["region_code"].str.starts_with("51")
    part = compiled.run(frames_subset(frames, keep), AS_OF)
    assert part.equals(whole.filter(keep))
    assert part.height == int(keep.sum()) > 0
    assert isinstance(part, pl.DataFrame)


def test_it_reports_the_cost_effect_of_the_draft():
    from decimal import Decimal

    from hehu.benefits.catalogue import standard_amount

    population()
    cost = run(make_draft()).cost
    month = AS_OF.replace(day=1)
    supplement = standard_amount("dibao_child", "511502", month)
    elsewhere = standard_amount("dibao_child", "511524", month)
    assert supplement is not None
    assert elsewhere is not None
    # The draft drops the dibao child category: both dibao children lose the supplement;
    # nobody gains (left-behind and low-income children are paid nothing a month).
    assert cost["losers"] == 2
    assert cost["gainers"] == 0
    assert Decimal(cost["lost"]) == supplement + elsewhere
    assert Decimal(cost["monthly_change"]) == -(supplement + elsewhere)
    assert Decimal(cost["annual_change"]) == -(supplement + elsewhere) * 12
    assert cost["programmes"]["dibao_child"]["children_before"] == "2"
    assert cost["programmes"]["dibao_child"]["after"] == "0.00"
    assert set(cost["counties"]) == {"511502", "511524"}
