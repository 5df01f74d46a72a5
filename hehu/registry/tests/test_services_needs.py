import datetime as dt

import pytest

from hehu.audit.models import AuditEntry, Verb
from hehu.core.errors import PermissionRefused, ValidationFailed
from hehu.registry.facts import child_to_facts, validate_facts
from hehu.registry.models import AssessedNeed, Child
from hehu.registry.services import child_register
from hehu.registry.services.needs import NeedData, child_assessed_needs_set
from hehu.registry.tests.factories import full_child_data

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 3, 2)
SAFETY = NeedData(domain="safety", level="high", support="service")
HEALTH = NeedData(domain="health_medical", level="medium", support="cash")


@pytest.fixture
def registered(village_director):
    return child_register(actor=village_director, data=full_child_data())


def stored(child: Child) -> list[tuple[str, str, str, dt.date]]:
    return sorted(
        AssessedNeed.objects.filter(child=child).values_list(
            "domain", "level", "support", "assessed_on"
        )
    )


def test_it_records_the_needs_as_facts_of_the_child_with_an_audit(village_director, registered):
    version = registered.version
    child = child_assessed_needs_set(
        actor=village_director,
        child=registered,
        needs=[SAFETY, HEALTH],
        assessed_on=ON,
        reason="需求评估 needs-cn@2026.1（评估 1）",
    )
    assert child.version == version + 1
    assert stored(child) == [
        ("health_medical", "medium", "cash", ON),
        ("safety", "high", "service", ON),
    ]
    facts = child_to_facts(Child.objects.get(pk=child.pk))
    assert facts["assessed_needs"] == [
        {"domain": "safety", "level": "high", "support": "service", "assessed_on": "2026-03-02"},
        {
            "domain": "health_medical",
            "level": "medium",
            "support": "cash",
            "assessed_on": "2026-03-02",
        },
    ]
    assert validate_facts(facts) == []
    entry = AuditEntry.objects.filter(verb=Verb.CHILD_UPDATED, child_id=child.pk).latest("pk")
    assert entry.changes["assessed_needs"][0] == []
    assert [n["domain"] for n in entry.changes["assessed_needs"][1]] == [
        "health_medical",
        "safety",
    ]
    assert entry.reason == "需求评估 needs-cn@2026.1（评估 1）"


def test_a_new_assessment_replaces_the_needs_and_a_repeat_changes_nothing(
    village_director, registered
):
    child = child_assessed_needs_set(
        actor=village_director, child=registered, needs=[SAFETY, HEALTH], assessed_on=ON, reason="a"
    )
    later = ON + dt.timedelta(days=90)
    child = child_assessed_needs_set(
        actor=village_director, child=child, needs=[HEALTH], assessed_on=later, reason="b"
    )
    assert stored(child) == [("health_medical", "medium", "cash", later)]
    version = Child.objects.get(pk=child.pk).version
    entries = AuditEntry.objects.filter(verb=Verb.CHILD_UPDATED, child_id=child.pk).count()
    child_assessed_needs_set(
        actor=village_director, child=child, needs=[HEALTH], assessed_on=later, reason="c"
    )
    assert Child.objects.get(pk=child.pk).version == version
    assert AuditEntry.objects.filter(verb=Verb.CHILD_UPDATED, child_id=child.pk).count() == entries


def test_an_assessment_that_finds_no_need_clears_the_needs(village_director, registered):
    child = child_assessed_needs_set(
        actor=village_director, child=registered, needs=[SAFETY], assessed_on=ON, reason="a"
    )
    child = child_assessed_needs_set(
        actor=village_director, child=child, needs=[], assessed_on=ON, reason="b"
    )
    assert stored(child) == []
    assert child_to_facts(Child.objects.get(pk=child.pk))["assessed_needs"] == []


def test_it_refuses_unknown_or_repeated_domains_and_keeps_what_was_saved(
    village_director, registered
):
    child_assessed_needs_set(
        actor=village_director, child=registered, needs=[SAFETY], assessed_on=ON, reason="a"
    )
    bad = [
        NeedData(domain="housing", level="high", support="service"),
        HEALTH,
        NeedData(domain="health_medical", level="urgent", support="money"),
    ]
    with pytest.raises(ValidationFailed) as refused:
        child_assessed_needs_set(
            actor=village_director, child=registered, needs=bad, assessed_on=ON, reason="b"
        )
    assert refused.value.errors == {
        "assessed_needs[0].domain": ["需求领域不正确：housing"],
        "assessed_needs[2].domain": ["需求领域重复：health_medical"],
        "assessed_needs[2].level": ["需求程度不正确：urgent"],
        "assessed_needs[2].support": ["支持方式不正确：money"],
    }
    assert stored(registered) == [("safety", "high", "service", ON)]


def test_only_someone_who_may_edit_the_file_or_work_the_case_sets_needs(
    village_director, police_officer, director_elsewhere, registered
):
    for actor in (police_officer, director_elsewhere):
        with pytest.raises(PermissionRefused):
            child_assessed_needs_set(
                actor=actor, child=registered, needs=[SAFETY], assessed_on=ON, reason="x"
            )
    assert stored(registered) == []
