from __future__ import annotations

import datetime as dt

import factory

from hehu.policy.models import PolicyVersion, PopulationRun

SOURCE = "hehu_policy: 1\nid: test-policy\nversion: '1'\n"


class PolicyVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PolicyVersion

    policy_id = "test-policy"
    version = factory.Sequence(lambda n: f"2026.{n}")
    jurisdiction = "national"
    title_zh = "测试政策"
    title_en = "Test policy"
    source = factory.LazyAttribute(lambda o: f"{SOURCE}# {o.version}\n")
    status = PolicyVersion.Status.DRAFT
    effective_from = dt.date(2016, 6, 13)


class PopulationRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PopulationRun

    as_of = dt.date(2026, 3, 1)
