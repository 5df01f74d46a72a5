"""What a population run writes: only the classifications that changed; and its reads of
the registry on several connections sharing one snapshot (PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from polars.testing import assert_frame_equal

from hehu.accounts.models import Department, Role
from hehu.accounts.tests.factories import make_user
from hehu.policy.models import CategoryEvent, ChildClassification, PolicyVersion
from hehu.policy.services import child_classify
from hehu.policy.services.frames_db import Scope, read_frames, registry_reads
from hehu.policy.services.population import population_run, population_run_create
from hehu.policy.tests.test_population_run import _register_varied
from hehu.policy.tests.test_simulation_services import make_draft, population
from hehu.regions.tests.factories import region
from hehu.registry.tests.factories import ChildFactory, HouseholdFactory

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 3, 1)


@pytest.fixture
def registrar(db):
    return make_user(
        Role.COUNTY_CIVIL_AFFAIRS, "5115", department=Department.CIVIL_AFFAIRS, username="city"
    )


def _rows() -> dict[int, tuple]:
    return {
        k.child_id: (k.as_of, k.computed_at, k.categories, k.masks, k.source)
        for k in ChildClassification.objects.all()
    }


def test_a_run_leaves_the_unchanged_classifications_as_they_are(admin_user, registrar):
    children = _register_varied(registrar, 16)
    first = population_run(run=population_run_create(actor=admin_user, as_of=AS_OF))
    before = _rows()
    # One stored result no longer matches (its masks), one child has none.
    tampered, missing = children[0].pk, children[1].pk
    ChildClassification.objects.filter(pk=tampered).update(masks={})
    ChildClassification.objects.filter(pk=missing).delete()

    steps: dict[str, float] = {}
    again = population_run(run=population_run_create(actor=admin_user, as_of=AS_OF), steps=steps)

    after = _rows()
    assert set(after) == set(before)
    rewritten = {pk for pk in after if after[pk] != before[pk]}
    assert rewritten == {tampered, missing}
    for pk in rewritten:
        assert after[pk][1] > before[pk][1]  # computed again
        assert after[pk][2:] == before[pk][2:]  # to the same result
    # The child without a stored row entered its categories again; nothing else moved.
    assert again.entered == len(before[missing][2])
    assert again.exited == 0
    assert again.counts == first.counts
    assert {"read", "classify", "compare", "write_results", "total"} <= set(steps)


def test_a_child_classified_alone_keeps_its_explanation_when_nothing_changed(admin_user, registrar):
    children = _register_varied(registrar, 6)
    population_run(run=population_run_create(actor=admin_user, as_of=AS_OF))
    child_classify(child=children[2], as_of=AS_OF)
    stored = ChildClassification.objects.get(pk=children[2].pk)

    again = population_run(run=population_run_create(actor=admin_user, as_of=AS_OF))

    assert again.entered == again.exited == 0
    kept = ChildClassification.objects.get(pk=children[2].pk)
    assert kept.categories == stored.categories
    if connection.vendor == "postgresql":  # jsonb: equal values print as equal text
        assert (kept.source, kept.reasons) == (stored.source, stored.reasons)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="COPY and shared snapshots are PostgreSQL features; CI runs this on PostgreSQL",
)
def test_reads_on_several_connections_see_what_one_connection_sees(admin_user, registrar):
    children = _register_varied(registrar, 20)
    reads = registry_reads(Scope())

    with transaction.atomic():
        one = read_frames(reads, streams=1)
    with transaction.atomic():
        three = read_frames(reads, streams=3)

    assert set(one) == set(three) == set(reads)
    for name in reads:
        assert_frame_equal(one[name].sort("_pk"), three[name].sort("_pk"))
    # A run outside a transaction reads on several connections, and stores every child.
    run = population_run(run=population_run_create(actor=admin_user, as_of=AS_OF))
    assert run.children == len(children) == ChildClassification.objects.count()
    assert run.entered == CategoryEvent.objects.filter(run=run).count() > 0


def test_children_are_classified_under_their_province_s_policy(admin_user):
    in_sichuan = list(population().values())
    elsewhere = "110101001001"
    beijing = ChildFactory(
        name="北京低保",
        region=region(elsewhere),
        household=HouseholdFactory(region=region(elsewhere), dibao=True),
    )
    override = make_draft(
        "51-2026.2",
        policy_id="cn-51",
        jurisdiction="51",
        extends="cn-national@2026.1",
        status=PolicyVersion.Status.APPROVED,
        source=(
            'hehu_policy: 1\nid: cn-51\nversion: "51-2026.2"\njurisdiction: "51"\n'
            "extends: cn-national@2026.1\neffective_from: 2016-06-13\neffective_to: null\n"
            "title: {zh: 四川省政策, en: Sichuan policy}\n"
        ),
    )

    run = population_run(run=population_run_create(actor=admin_user, as_of=AS_OF))

    assert run.children == len(in_sichuan) + 1
    by_population = {k.child_id: k for k in ChildClassification.objects.all()}
    assert {by_population[c.pk].policy_version_id for c in in_sichuan} == {override.pk}
    assert by_population[beijing.pk].policy_version_id != override.pk
    for child in [*in_sichuan, beijing]:
        child_classify(child=child, as_of=AS_OF)
        alone = ChildClassification.objects.get(pk=child.pk)
        population_row = by_population[child.pk]
        assert (alone.categories, alone.masks, alone.policy_version_id) == (
            population_row.categories,
            population_row.masks,
            population_row.policy_version_id,
        )
    assert run.counts["dibao_child"] == 3


def test_the_registry_read_and_the_facts_documents_give_the_same_needs_frame(registrar):
    from hehu.policy.engine.frames import frames_from_documents
    from hehu.policy.services.frames_db import frames_from_registry
    from hehu.registry.facts import children_to_facts
    from hehu.registry.models import Child
    from hehu.registry.services.needs import NeedData, child_assessed_needs_set

    children = _register_varied(registrar, 6)
    domains = ["safety", "rehabilitation", "education"]
    for i, child in enumerate(children[:3]):
        child_assessed_needs_set(
            actor=registrar,
            child=child,
            needs=[
                NeedData(domain=d, level=("high", "medium", "low")[i], support="service")
                for d in domains[: i + 1]
            ],
            assessed_on=dt.date(2026, 1, 10 + i),
            reason="需求评估",
        )

    read, _pks = frames_from_registry(Scope())
    documents = list(children_to_facts(Child.objects.filter(status="active").order_by("pk")))
    built = frames_from_documents(documents)

    assert read.needs.height == 6
    columns = ["_child", "domain", "level", "support", "assessed_on"]
    assert_frame_equal(read.needs.select(columns), built.needs.select(columns))
