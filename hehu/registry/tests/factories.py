from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import factory

from hehu.regions.codes import CODE_RE
from hehu.regions.tests.factories import region
from hehu.registry.data import ChildData, ConditionData, HouseholdData, MemberData, ParentData
from hehu.registry.idnumber import check_character
from hehu.registry.models import Child, Household, HukouType, LivingArrangement, Parent, Sex
from hehu.registry.names import name_key, name_pinyin

VILLAGE = "511502001001"


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    region = factory.LazyFunction(lambda: region("511502001001"))


class ChildFactory(factory.django.DjangoModelFactory):
    """A child without an ID number; use registry services to register with one."""

    class Meta:
        model = Child

    name = factory.Sequence(lambda n: f"儿童{n}")
    name_key = factory.LazyAttribute(lambda o: name_key(o.name))
    name_pinyin = factory.LazyAttribute(lambda o: name_pinyin(o.name))
    sex = Sex.FEMALE
    birth_date = dt.date(2015, 3, 2)
    region = factory.LazyFunction(lambda: region("511502001001"))
    hukou_region = factory.LazyAttribute(lambda o: o.region)
    hukou_type = HukouType.RURAL
    living_arrangement = LivingArrangement.WITH_RELATIVES
    no_id_reason = "unknown"


class ParentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Parent

    child = factory.SubFactory(ChildFactory)
    role = Parent.Role.FATHER


def make_id_number(
    birth_date: dt.date = dt.date(2015, 3, 2),
    *,
    sex: str = "female",
    address: str = "511502",
    sequence: int = 12,
) -> str:
    """A valid resident ID number for the birth date and sex (the sequence's parity is set)."""
    sequence = sequence * 2 + (1 if sex == "male" else 0)
    first17 = f"{address}{birth_date:%Y%m%d}{sequence % 1000:03d}"
    return first17 + check_character(first17)


def child_data(*, region_code: str = VILLAGE, **overrides: Any) -> ChildData:
    """Valid input for a registration: a girl living with relatives, no ID number."""
    if CODE_RE.match(region_code):
        region(region_code)
    values: dict[str, Any] = {
        "name": "王小花",
        "sex": "female",
        "birth_date": dt.date(2015, 3, 2),
        "region_code": region_code,
        "hukou_region_code": region_code,
        "hukou_type": "rural",
        "living_arrangement": "with_relatives",
        "no_id_reason": "not_yet_issued",
    }
    values.update(overrides)
    return ChildData(**values)


def full_child_data(**overrides: Any) -> ChildData:
    """A file with every part filled: household, both parents with conditions, concerns."""
    from decimal import Decimal

    from hehu.registry.data import ConcernData, ReceivingData

    values: dict[str, Any] = {
        "id_number": make_id_number(),
        "no_id_reason": "",
        "education": "primary",
        "guardian_name": "王奶奶",
        "guardian_relation": "grandparent",
        "guardian_able_to_care": False,
        "household": HouseholdData(
            address="翠屏区某街道1号",
            dibao=True,
            dibao_child_amount=Decimal("400.00"),
            members=[MemberData(name="王奶奶", relation="祖母", birth_date=dt.date(1950, 1, 1))],
        ),
        "parents": [
            ParentData(role="father", name="王大", vital_status="dead"),
            ParentData(
                role="mother",
                name="李梅",
                conditions=[
                    ConditionData(
                        type="imprisoned",
                        since=dt.date(2024, 3, 1),
                        term_months=36,
                        evidence_kind="judgment",
                        evidence_reference="(2024)川1502刑初1号",
                    ),
                ],
            ),
        ],
        "concerns": [ConcernData(type="neglect", substantiated=True, since=dt.date(2025, 5, 1))],
        "receiving": [ReceivingData(programme="dibao_child", monthly_amount=Decimal("400"))],
    }
    values.update(overrides)
    return child_data(**values)


def replace(data: ChildData, **changes: Any) -> ChildData:
    return dataclasses.replace(data, **changes)
