"""The categories panel of a child's page: why, why not, the policy and date, recompute."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from hehu.policy.models import ChildClassification
from hehu.policy.services import child_classify
from hehu.registry.models import Parent, ParentCondition
from hehu.registry.tests.factories import ChildFactory, ParentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel("2026-03-01T09:00:00+08:00", tick=False):
        yield


def de_facto_unattended_child():
    """Father dead; mother imprisoned for 36 months since 2024-03-01 (rule B)."""
    child = ChildFactory(name="王小花")
    ParentFactory(child=child, role=Parent.Role.FATHER, vital_status="dead")
    mother = ParentFactory(child=child, role=Parent.Role.MOTHER, vital_status="alive")
    ParentCondition.objects.create(
        parent=mother, type="imprisoned", since=dt.date(2024, 3, 1), term_months=36
    )
    return child


def visible(html):
    """The page's text as read, without tags or their attributes (hover titles)."""
    return re.sub(r"<[^>]*>", "", html)


def page(client, user, child):
    client.force_login(user)
    response = client.get(f"/children/{child.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_why_a_child_is_de_facto_unattended(client, village_director):
    child = de_facto_unattended_child()
    child_classify(child=child)
    html = page(client, village_director, child)
    assert 'id="categories"' in html
    assert "事实无人抚养儿童" in html
    assert "为什么属于这一类别" in html
    assert "死亡或被宣告死亡" in html  # the father's clause, decoded from the stored trace
    assert "父亲 · 生存状态：死亡" in visible(html)
    assert "father.vital_status" not in visible(html)
    assert 'title="father.vital_status = dead"' in html  # the raw fact, for support staff
    assert "cn-national@2026.1" in html
    assert "2026年3月1日" in html


def test_it_shows_why_not_for_the_other_categories_collapsed(client, village_director):
    child = de_facto_unattended_child()
    child_classify(child=child)
    html = page(client, village_director, child)
    why_not = html.split("为什么不属于其他", 1)[1]
    assert html.count("<details") >= 2
    assert "孤儿" in why_not
    assert "母亲 · 生存状态：在世" in visible(why_not)  # orphan's first failed clause


def test_it_explains_a_population_result_by_evaluating_again(client, village_director):
    child = de_facto_unattended_child()
    stored = child_classify(child=child)
    assert stored is not None
    ChildClassification.objects.filter(pk=stored.pk).update(
        reasons=None, source=ChildClassification.Source.POPULATION
    )
    html = page(client, village_director, child)
    assert "事实无人抚养儿童" in html
    assert "父亲 · 生存状态：死亡" in visible(html)


def test_it_shows_the_names_in_english_on_an_english_page(client, village_director):
    child = de_facto_unattended_child()
    child_classify(child=child)
    client.cookies["django_language"] = "en"
    html = page(client, village_director, child)
    assert "de facto unattended child" in html
    assert "dead or declared dead by a court" in html
    assert "Father · Vital status: Deceased" in visible(html)
    assert "Mother · Condition 1 · Term (months): 36" in visible(html)


def test_it_says_when_a_child_was_never_classified(client, village_director):
    child = ChildFactory()
    html = page(client, village_director, child)
    assert "尚未认定" in html


def test_it_recomputes_on_request(client, village_director):
    child = de_facto_unattended_child()
    client.force_login(village_director)
    response = client.post(f"/children/{child.pk}/classify/")
    assert response.status_code == 302
    assert response["Location"] == f"/children/{child.pk}/#categories"
    stored = ChildClassification.objects.get(child=child)
    assert stored.categories == ["de_facto_unattended"]
    assert stored.source == ChildClassification.Source.MANUAL


def test_it_offers_recompute_only_to_those_who_edit_files(client, police_officer):
    child = de_facto_unattended_child()
    html = page(client, police_officer, child)
    assert f"/children/{child.pk}/classify/" not in html
    assert client.post(f"/children/{child.pk}/classify/").status_code == 403
    assert not ChildClassification.objects.exists()


def test_it_answers_404_for_a_child_outside_the_jurisdiction(client, director_elsewhere):
    child = de_facto_unattended_child()
    child_classify(child=child)
    client.force_login(director_elsewhere)
    assert client.get(f"/children/{child.pk}/").status_code == 404
    before = ChildClassification.objects.get(child=child).computed_at
    assert client.post(f"/children/{child.pk}/classify/").status_code == 404
    assert ChildClassification.objects.get(child=child).computed_at == before


def test_it_shows_a_coverage_gap_with_its_need_signal(client, village_director):
    # Mother in prison for 4 months only: below the 6-month threshold, no category.
    child = ChildFactory(guardian_able_to_care=True)
    mother = ParentFactory(child=child, role=Parent.Role.MOTHER, vital_status="alive")
    ParentCondition.objects.create(
        parent=mother, type="imprisoned", since=dt.date(2026, 1, 1), term_months=4
    )
    stored = child_classify(child=child)
    assert stored is not None
    assert stored.coverage_gap
    html = page(client, village_director, child)
    assert "保障缺口" in html
    assert "父母一方被限制人身自由或失联，但未满6个月或期限未记录" in html
    assert "不属于任何困境类别" in html


def test_why_not_leaves_out_conditions_of_another_type(client, village_director):
    # Father dead; mother in prison for 4 months only: rule B fails on the term.
    child = ChildFactory(guardian_able_to_care=True)
    ParentFactory(child=child, role=Parent.Role.FATHER, vital_status="dead")
    mother = ParentFactory(child=child, role=Parent.Role.MOTHER, vital_status="alive")
    ParentCondition.objects.create(
        parent=mother, type="imprisoned", since=dt.date(2026, 1, 1), term_months=4
    )
    stored = child_classify(child=child)
    assert stored is not None
    html = page(client, village_director, child)
    why_not = html.split('data-category="de_facto_unattended"', 1)[1]
    why_not = visible(why_not.split("data-category=", 1)[0])
    assert "服刑在押（刑期6个月以上）" in why_not
    assert "期限6个月以上" in why_not
    assert "母亲 · 第1项情形 · 期限（月）：4" in why_not
    assert "政策参数 限制人身自由最短期限（月）：6" in why_not
    assert "重残（一、二级残疾" not in why_not
    assert "失联6个月以上" not in why_not
    assert "被人民法院撤销监护资格" not in why_not
    assert why_not.count("情形类型：服刑在押") == 1  # the prison term's own clause only
    # The stored trace keeps every condition Q.
    assert "q_severe_disability(mother.conditions[0])" in str(stored.reasons)
