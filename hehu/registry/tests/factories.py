from __future__ import annotations

import datetime as dt

import factory

from hehu.regions.tests.factories import region
from hehu.registry.models import Child, Household, HukouType, LivingArrangement, Parent, Sex


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    region = factory.LazyFunction(lambda: region("511502001001"))


class ChildFactory(factory.django.DjangoModelFactory):
    """A child without an ID number; use registry services to register with one."""

    class Meta:
        model = Child

    name = factory.Sequence(lambda n: f"儿童{n}")
    name_key = factory.LazyAttribute(lambda o: o.name)
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
