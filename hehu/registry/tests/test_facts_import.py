import copy
import datetime as dt

import pytest

from hehu.audit.models import AuditEntry, Verb
from hehu.core.crypto import decrypt
from hehu.core.errors import ConcurrentEdit, PermissionRefused, ValidationFailed
from hehu.regions.tests.factories import region
from hehu.registry.facts import (
    child_to_facts,
    facts_import,
    facts_to_child_data,
    validate_facts,
)
from hehu.registry.models import Child
from hehu.registry.services import child_register
from hehu.registry.services.needs import NeedData, child_assessed_needs_set
from hehu.registry.tests.factories import child_data, full_child_data, make_id_number
from hehu.registry.tests.test_facts_schema import EXAMPLE

pytestmark = pytest.mark.django_db

VILLAGE = "511502001001"


def facts(**changes):
    """The DOMAIN.md §11 example, living in the personas' village."""
    region(VILLAGE)
    doc = copy.deepcopy(EXAMPLE)
    doc.update(region_code=VILLAGE, hukou_region_code=VILLAGE)
    doc.update(changes)
    return doc


def snapshot(child):
    child = Child.objects.get(pk=child.pk)
    return child.version, child_to_facts(child), child.name


def test_it_registers_a_new_file_from_an_envelope(county_officer):
    doc = facts()
    child, created = facts_import(
        actor=county_officer, doc={"facts": doc, "child": {"name": "王小花"}}
    )
    assert created
    assert (child.name, child.external_id, child.no_id_reason) == ("王小花", "ext-001", "unknown")
    exported = child_to_facts(child)
    assert validate_facts(exported) == []
    for key in (
        "id",
        "birth_date",
        "sex",
        "region_code",
        "disability",
        "household",
        "guardian",
        "guardianship_grade",
        "protection_concerns",
        "receiving",
    ):
        assert exported[key] == doc[key]
    assert exported["parents"][1]["conditions"] == doc["parents"][1]["conditions"]
    assert AuditEntry.objects.filter(verb=Verb.CHILD_CREATED, child_id=child.pk).exists()


def test_it_takes_the_name_as_an_argument_for_a_bare_document(county_officer):
    child, created = facts_import(actor=county_officer, doc=facts(), name="李四")
    assert created
    assert child.name == "李四"


def test_it_registers_the_id_number_given_in_the_envelope(county_officer):
    number = make_id_number()
    envelope = {"facts": facts(), "child": {"name": "王小花", "id_number": number}}
    child, _ = facts_import(actor=county_officer, doc=envelope)
    assert decrypt(child.id_number_encrypted) == number


def test_a_round_trip_through_export_and_import_changes_nothing(county_officer):
    child = child_register(actor=county_officer, data=full_child_data(id_number=make_id_number()))
    before = snapshot(child)
    updated, created = facts_import(actor=county_officer, doc=child_to_facts(child))
    assert not created
    assert updated.pk == child.pk
    assert snapshot(child) == before
    assert not AuditEntry.objects.filter(verb=Verb.CHILD_UPDATED).exists()


NEED = {"domain": "safety", "level": "high", "support": "service", "assessed_on": "2026-03-02"}


def test_an_exported_document_with_assessed_needs_imports_back_unchanged(county_officer):
    child = child_register(actor=county_officer, data=full_child_data(id_number=make_id_number()))
    child_assessed_needs_set(
        actor=county_officer,
        child=child,
        needs=[NeedData(domain="safety", level="high", support="service")],
        assessed_on=dt.date(2026, 3, 2),
        reason="需求评估",
    )
    before = snapshot(child)
    assert before[1]["assessed_needs"] == [NEED]
    facts_import(actor=county_officer, doc=child_to_facts(child))
    assert snapshot(child) == before


def test_an_import_cannot_change_assessed_needs_and_saves_nothing(county_officer):
    child = child_register(actor=county_officer, data=full_child_data(id_number=make_id_number()))
    before = snapshot(child)
    doc = child_to_facts(child)
    doc["assessed_needs"] = [NEED]
    doc["living_arrangement"] = "alone"
    with pytest.raises(ValidationFailed) as refused:
        facts_import(actor=county_officer, doc=doc)
    assert list(refused.value.errors) == ["assessed_needs"]
    assert "只能通过在个案中提交需求评估来改变" in refused.value.errors["assessed_needs"][0]
    assert snapshot(child) == before
    # Nor can a new file arrive with needs (enveloped: the path is under facts).
    with pytest.raises(ValidationFailed) as refused:
        facts_import(
            actor=county_officer,
            doc={"facts": facts(assessed_needs=[NEED]), "child": {"name": "王小花"}},
        )
    assert list(refused.value.errors) == ["facts.assessed_needs"]


def test_an_imported_document_exports_as_itself(county_officer):
    first, _ = facts_import(actor=county_officer, doc=facts(), name="王小花")
    exported = child_to_facts(first)
    second, created = facts_import(
        actor=county_officer, doc={**exported, "id": "ext-002"}, name="王小花二"
    )
    assert created
    assert child_to_facts(second) == {**exported, "id": "ext-002"}


def test_it_updates_the_file_with_that_external_id_and_keeps_what_facts_do_not_carry(
    county_officer,
):
    number = make_id_number()
    child = child_register(
        actor=county_officer, data=full_child_data(id_number=number, external_id="ext-001")
    )
    doc = child_to_facts(child)
    doc["living_arrangement"] = "alone"
    doc["parents"][1]["conditions"][0]["until"] = "2025-06-30"
    doc["receiving"] = []
    updated, created = facts_import(actor=county_officer, doc=doc)
    assert not created
    assert (updated.pk, updated.version) == (child.pk, child.version + 1)
    assert child_to_facts(updated) == doc
    updated = Child.objects.get(pk=child.pk)
    assert (updated.name, updated.guardian_name) == ("王小花", "王奶奶")
    assert decrypt(updated.id_number_encrypted) == number
    assert updated.household.address == "翠屏区某街道1号"
    assert [m.name for m in updated.household.members.all()] == ["王奶奶"]
    mother = updated.parents.get(role="mother")
    assert mother.name == "李梅"
    entry = AuditEntry.objects.get(verb=Verb.CHILD_UPDATED)
    assert entry.reason == "事实文档导入"
    assert set(entry.changes) == {
        "living_arrangement",
        "parents[mother].conditions[0].until",
        "receiving[0].monthly_amount",
        "receiving[0].programme",
    }


def test_it_refuses_an_update_based_on_an_old_version(county_officer):
    child = child_register(actor=county_officer, data=child_data(external_id="ext-001"))
    doc = child_to_facts(child)
    doc["living_arrangement"] = "alone"
    with pytest.raises(ConcurrentEdit):
        facts_import(actor=county_officer, doc={"facts": doc, "child": {"version": 7}})
    assert Child.objects.get(pk=child.pk).living_arrangement == "with_relatives"


def test_it_refuses_an_invalid_document_whole_listing_every_error(county_officer):
    doc = facts(sex="girl", hobby="drawing")
    doc["parents"][1]["conditions"][0]["since"] = "2025-02-30"
    with pytest.raises(ValidationFailed) as refused:
        facts_import(actor=county_officer, doc={"facts": doc, "child": {"name": "王小花"}})
    assert refused.value.errors == {
        "facts.hobby": ["facts.hobby：未知字段，文档不接受此字段"],
        "facts.parents[1].conditions[0].since": [
            "facts.parents[1].conditions[0].since：日期 2025-02-30 不存在"
        ],
        "facts.sex": ['facts.sex：取值 "girl" 无效，应为以下之一：male、female'],
    }
    assert not Child.objects.exists()


def test_it_names_what_a_new_file_needs_that_the_document_lacks(county_officer):
    doc = facts()
    for key in ("sex", "region_code", "hukou_region_code", "hukou_type"):
        del doc[key]
    with pytest.raises(ValidationFailed) as refused:
        facts_import(actor=county_officer, doc={"facts": doc})
    assert sorted(refused.value.errors) == [
        "child.name",
        "facts.hukou_type",
        "facts.region_code",
        "facts.sex",
    ]
    assert not Child.objects.exists()


def test_it_places_a_document_without_region_in_the_default_region(county_officer):
    doc = facts()
    del doc["region_code"], doc["hukou_region_code"]
    child, _ = facts_import(actor=county_officer, doc=doc, name="王小花", region_default=VILLAGE)
    assert (child.region_id, child.hukou_region_id) == (VILLAGE, VILLAGE)


def test_it_reports_registry_refusals_at_the_path_of_the_document(county_officer):
    region("511502001000")
    envelope = {
        "facts": facts(region_code="511502001999"),
        "child": {"name": "王小花", "id_number": "110105194912310021"},
    }
    with pytest.raises(ValidationFailed) as refused:
        facts_import(actor=county_officer, doc=envelope)
    assert sorted(refused.value.errors) == ["child.id_number", "facts.region_code"]
    assert refused.value.errors["facts.region_code"][0].startswith("facts.region_code：")
    assert not Child.objects.exists()


def other_county_officer():
    from hehu.accounts.models import Role
    from hehu.accounts.tests.factories import make_user

    return make_user(Role.COUNTY_CIVIL_AFFAIRS, "511524", username="county-elsewhere")


def test_it_never_updates_a_file_outside_the_importers_jurisdiction(county_officer):
    child = child_register(actor=county_officer, data=child_data(external_id="ext-001"))
    before = snapshot(child)
    elsewhere = other_county_officer()
    doc = {**child_to_facts(child), "living_arrangement": "alone"}
    with pytest.raises(PermissionRefused):
        facts_import(actor=elsewhere, doc=doc, name="王小花")
    assert snapshot(child) == before
    # In its own county the same external id is simply a new file there.
    region("511524100201")
    moved = {**doc, "region_code": "511524100201", "hukou_region_code": "511524100201"}
    other, created = facts_import(actor=elsewhere, doc=moved, name="王小花")
    assert created
    assert other.pk != child.pk
    assert snapshot(child) == before


def test_it_treats_an_internal_id_it_cannot_see_like_a_missing_one(county_officer):
    other_county = other_county_officer()
    child = child_register(actor=county_officer, data=child_data())
    before = snapshot(child)
    hidden = {**child_to_facts(child), "living_arrangement": "alone"}
    missing = {**hidden, "id": "hehu-999999"}
    messages = []
    for doc in (hidden, missing):
        with pytest.raises(ValidationFailed) as refused:
            facts_import(actor=other_county, doc=doc, name="王小花")
        messages.append(refused.value.errors["id"][0].replace(doc["id"], "<id>"))
    assert messages[0] == messages[1]
    assert snapshot(child) == before


def test_it_refuses_a_registration_by_a_role_that_cannot_import(village_director):
    with pytest.raises(PermissionRefused):
        facts_import(actor=village_director, doc=facts(), name="王小花")
    assert not Child.objects.exists()


def test_it_asks_for_confirmation_before_registering_a_likely_duplicate(county_officer):
    from hehu.registry.errors import LikelyDuplicates

    facts_import(actor=county_officer, doc=facts(), name="王小花")
    again = {"facts": facts(id="ext-777"), "child": {"name": "王小花"}}
    with pytest.raises(LikelyDuplicates):
        facts_import(actor=county_officer, doc=again)
    _, created = facts_import(actor=county_officer, doc={**again, "confirm_not_duplicate": True})
    assert created
    assert Child.objects.count() == 2


def test_facts_to_child_data_reads_every_fact(db):
    region(VILLAGE)
    data = facts_to_child_data(facts())
    assert data.birth_date == dt.date(2015, 3, 2)
    assert (data.disability_category, data.disability_grade) == ("intellectual", 2)
    assert data.household.dibao
    assert data.household.dibao_child_amount == 400
    imprisoned, lost = data.parents[1].conditions
    assert (imprisoned.type, imprisoned.since, imprisoned.term_months) == (
        "imprisoned",
        dt.date(2024, 3, 1),
        36,
    )
    assert (lost.police_accepted_on, lost.police_receipt) == (dt.date(2025, 1, 10), True)
    assert (data.guardian_relation, data.guardian_able_to_care) == ("grandparent", False)
    assert data.external_id == "ext-001"


def test_facts_to_child_data_refuses_an_invalid_document():
    with pytest.raises(ValidationFailed) as refused:
        facts_to_child_data({"id": "x", "birth_date": "2015-13-01"})
    assert list(refused.value.errors) == ["birth_date"]
