"""Checks shared by the demo and population tests: every generated file obeys the
registry's own rules (validation, ID numbers, facts schema, encryption, name keys)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from hehu.core.crypto import decrypt
from hehu.core.dates import age_on
from hehu.registry.duplicates import id_number_index
from hehu.registry.facts.export import child_to_facts
from hehu.registry.facts.importer import child_to_data
from hehu.registry.facts.schema import validate_facts
from hehu.registry.idnumber import parse_id_number
from hehu.registry.models import Child, NoIdReason, ParentCondition
from hehu.registry.names import name_key, name_pinyin
from hehu.registry.services import validate_child


def assert_child_obeys_registry_rules(child: Child, *, as_of: dt.date) -> None:
    assert age_on(child.birth_date, as_of) < 18
    assert child.name_key == name_key(child.name)
    assert child.name_pinyin == name_pinyin(child.name)
    number = None
    if child.id_number_index:
        number = decrypt(child.id_number_encrypted)
        parsed = parse_id_number(number, today=as_of)
        assert parsed.birth_date == child.birth_date
        assert parsed.sex == child.sex
        assert number[:6] == child.hukou_region_id[:6]
        assert child.id_number_index == id_number_index(number)
        assert child.id_number_last4 == number[-4:]
        assert child.no_id_reason == ""
    else:
        assert child.no_id_reason in NoIdReason.values
        assert child.id_number_encrypted == ""
    data = dataclasses.replace(child_to_data(child), id_number=number, keep_id_number=False)
    validate_child(data, today=as_of)  # raises ValidationFailed listing every broken rule
    assert validate_facts(child_to_facts(child)) == []


def assert_conditions_are_dated(*, as_of: dt.date) -> None:
    conditions = ParentCondition.objects.all()
    assert conditions.exists()
    for c in conditions:
        assert c.evidence_kind
        assert c.evidence_reference
        if c.since is not None:
            assert c.since <= as_of
        if c.until is not None:
            assert c.since is not None
            assert c.until >= c.since
        if c.type == ParentCondition.Type.LOST_CONTACT:
            assert c.police_accepted_on is not None
            assert c.police_receipt
        if c.type == ParentCondition.Type.IMPRISONED:
            assert c.term_months is not None
            assert c.term_months >= 6
        if c.type == ParentCondition.Type.SEVERE_DISABILITY:
            assert c.disability_category
            assert c.disability_grade in (1, 2, 3, 4)
