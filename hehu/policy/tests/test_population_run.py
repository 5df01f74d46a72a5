from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from hehu.accounts.models import Department, Role
from hehu.accounts.tests.factories import make_user
from hehu.audit.models import AuditEntry, Verb
from hehu.policy.models import CategoryEvent, ChildClassification, PopulationRun
from hehu.policy.services import child_classify
from hehu.policy.services.population import population_run, population_run_create
from hehu.registry.data import ConcernData, ConditionData, HouseholdData, ParentData, ReceivingData
from hehu.registry.services import child_register
from hehu.registry.tests.factories import child_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def registrar(db):
    """A city-level civil affairs officer: registers in both counties of the tests."""
    return make_user(
        Role.COUNTY_CIVIL_AFFAIRS, "5115", department=Department.CIVIL_AFFAIRS, username="city"
    )


AS_OF = dt.date(2026, 3, 1)
OTHER_COUNTY = "511524100201"

PARENT_SETS = [
    [],
    [
        ParentData(role="father", vital_status="dead"),
        ParentData(role="mother", vital_status="dead"),
    ],
    [
        ParentData(role="father", vital_status="dead"),
        ParentData(
            role="mother",
            conditions=[
                ConditionData(type="imprisoned", since=dt.date(2024, 3, 1), term_months=36)
            ],
        ),
    ],
    [
        ParentData(role="father", migrant_worker=True),
        ParentData(role="mother", migrant_worker=True),
    ],
    [
        ParentData(
            role="father",
            conditions=[
                ConditionData(
                    type="severe_disability",
                    disability_category="intellectual",
                    disability_grade=3,
                    evidence_kind="disability_certificate",
                )
            ],
        ),
        ParentData(
            role="mother",
            conditions=[
                ConditionData(
                    type="lost_contact",
                    police_accepted_on=dt.date(2025, 1, 10),
                    police_receipt=True,
                )
            ],
        ),
    ],
    [
        ParentData(role="mother", vital_status="declared_missing"),
        ParentData(
            role="father",
            conditions=[
                ConditionData(type="imprisoned", since=dt.date(2025, 12, 1), term_months=4)
            ],
        ),
    ],
    [
        ParentData(role="father", vital_status="unknown"),
        ParentData(role="mother", vital_status="unknown"),
    ],
]
HOUSEHOLDS = [
    None,
    HouseholdData(dibao=True, dibao_child_amount=Decimal("400.50")),
    HouseholdData(tekun=True, income_per_capita=Decimal("120")),
    HouseholdData(low_income=True),
]
VARIANTS = [
    {},
    {"disability_category": "physical", "disability_grade": 2},
    {"serious_illness": True, "serious_illness_name": "白血病"},
    {"living_arrangement": "alone", "birth_date": dt.date(2013, 5, 6)},
    {"guardianship_grade": "improper", "guardian_relation": "grandparent"},
    {
        "guardian_relation": "grandparent",
        "guardian_able_to_care": False,
        "concerns": [ConcernData(type="neglect", substantiated=False)],
    },
    {"concerns": [ConcernData(type="abuse", substantiated=True, since=dt.date(2025, 5, 1))]},
    {"birth_date": dt.date(2007, 3, 1), "education": "senior_secondary"},
    {"birth_date": dt.date(2008, 3, 2), "hukou_type": "urban", "education": "none"},
    {"receiving": [ReceivingData(programme="dibao_child", monthly_amount=Decimal("400"))]},
]


def _register_varied(actor, count: int) -> list:
    children = []
    combos = itertools.product(
        range(len(PARENT_SETS)), range(len(HOUSEHOLDS)), range(len(VARIANTS))
    )
    for n, (p, h, v) in enumerate(itertools.islice(combos, 0, None, 7)):
        if n == count:
            break
        data = child_data(
            name=f"儿童{n}",
            parents=PARENT_SETS[p],
            household=HOUSEHOLDS[h],
            region_code=OTHER_COUNTY if n % 5 == 0 else "511502001001",
            **VARIANTS[(v + n) % len(VARIANTS)],
        )
        children.append(child_register(actor=actor, data=data, confirm_not_duplicate=True))
    return children


def _stored(children) -> dict[int, tuple]:
    return {
        k.child_id: (
            k.categories,
            k.masks,
            k.umbrellas,
            k.signals,
            k.coverage_gap,
            k.policy_version_id,
        )
        for k in ChildClassification.objects.filter(child__in=children)
    }


def test_it_agrees_with_classifying_each_child_alone(admin_user, registrar):
    children = _register_varied(registrar, 40)
    for child in children:
        child_classify(child=child, as_of=AS_OF)
    one_by_one = _stored(children)
    assert len({tuple(v[0]) for v in one_by_one.values()}) > 5, "varied categories"
    ChildClassification.objects.all().delete()
    CategoryEvent.objects.all().delete()

    run = population_run(run=population_run_create(actor=admin_user, as_of=AS_OF))

    assert run.status == PopulationRun.Status.DONE
    assert run.children == 40
    assert _stored(children) == one_by_one
    assert set(ChildClassification.objects.values_list("source", flat=True)) == {"population"}
    assert not ChildClassification.objects.filter(reasons__isnull=False).exists()
    expected_counts: dict[str, int] = {}
    for categories, *_ in one_by_one.values():
        for code in categories:
            expected_counts[code] = expected_counts.get(code, 0) + 1
    assert run.counts == expected_counts
    assert run.entered == sum(expected_counts.values()) == CategoryEvent.objects.count()
    assert {"build_frames", "classify", "store", "commit", "total"} <= set(run.timings)


def test_it_records_only_the_changes_since_the_stored_categories(admin_user, registrar):
    children = _register_varied(registrar, 12)
    population_run(run=population_run_create(actor=admin_user, as_of=AS_OF))
    before = _pairs(children)

    again = population_run(run=population_run_create(actor=admin_user, as_of=AS_OF))
    # Ten years on, the children have grown out of the categories of a minor.
    later = population_run(run=population_run_create(actor=admin_user, as_of=dt.date(2036, 3, 1)))

    assert again.entered == again.exited == 0
    after = _pairs(children)
    exits = CategoryEvent.objects.filter(run=later, kind="exited")
    assert {(e.child_id, e.category) for e in exits} == before - after
    assert {(e.on, e.policy_version_id) for e in exits} == {
        (dt.date(2036, 3, 1), ChildClassification.objects.first().policy_version_id)
    }
    assert later.exited == len(before - after) > 0
    assert later.entered == len(after - before)


def _pairs(children) -> set[tuple[int, str]]:
    return {
        (k.child_id, code)
        for k in ChildClassification.objects.filter(child__in=children)
        for code in k.categories
    }


def test_it_classifies_only_the_scope(admin_user, registrar):
    children = _register_varied(registrar, 10)
    inside = [c for c in children if c.region_id.startswith("511502")]

    run = population_run(run=population_run_create(actor=admin_user, as_of=AS_OF, scope="511502"))

    assert run.children == len(inside)
    assert set(ChildClassification.objects.values_list("child_id", flat=True)) == {
        c.pk for c in inside
    }


def test_it_audits_a_run_once_with_its_scope_and_date(admin_user, registrar):
    run = population_run_create(actor=admin_user, as_of=AS_OF, scope="5115")
    population_run(run=run)

    entry = AuditEntry.objects.get(verb=Verb.POLICY_POPULATION_RUN)
    assert entry.actor == admin_user
    assert entry.object_id == str(run.pk)
    assert entry.changes["scope"] == "5115"
    assert entry.changes["as_of"] == "2026-03-01"


def test_it_marks_a_run_failed_when_no_policy_covers_its_date(admin_user, registrar):
    run = population_run_create(actor=admin_user, as_of=dt.date(2010, 1, 1))

    with pytest.raises(Exception, match="2010-01-01"):
        population_run(run=run)

    run.refresh_from_db()
    assert run.status == PopulationRun.Status.FAILED
    assert "2010-01-01" in run.error
