"""The children list's rows, prepared once per page by the view (ListRow), show what the
per-row template tags showed before: the same labels, ages, links and paths in Chinese and
in English."""

import datetime as dt
import re

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import timezone, translation

from hehu.regions.tests.factories import region
from hehu.registry.models import DisabilityCategory, LivingArrangement, Sex
from hehu.registry.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

# The rows as the template wrote them with a tag or filter per cell (before ListRow).
PER_ROW_TAGS = """{% load i18n hehu_tags %}{% for child in children %}
    <tr>
      <td><a class="hh-child-name" href="{% url 'web:child' child.pk %}">{{ child.name }}</a>{% if child.disability_category %} <span class="hh-badge hh-badge-disability">{% translate "残疾" %}</span>{% endif %}</td>
      <td data-label="{% translate '身份证号码' %}{% colon %}"><span class="hh-id">{% if child.id_number_last4 %}***{{ child.id_number_last4 }}{% else %}{% translate "无" %}{% endif %}</span></td>
      <td class="hh-inline" data-label="{% translate '性别' %}{% colon %}">{{ child.get_sex_display }}</td>
      <td class="hh-inline" data-label="{% translate '年龄' %}{% colon %}">{% blocktranslate count years=child.birth_date|age %}{{ years }}岁{% plural %}{{ years }}岁{% endblocktranslate %}</td>
      <td data-label="{% translate '现居住地' %}{% colon %}"><span class="hh-region" title="{{ paths|get_item:child.region_id }}">{{ child.region.name }}</span></td>
      <td data-label="{% translate '居住情况' %}{% colon %}"><span class="hh-badge{% if child.living_arrangement == 'alone' %} hh-badge-alone{% endif %}">{{ child.get_living_arrangement_display }}</span></td>
    </tr>
  {% endfor %}"""  # noqa: E501


def _born_years_ago(years: int) -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - dt.timedelta(days=30)


@pytest.fixture
def children():
    return [
        ChildFactory(name="甲 <b>", birth_date=_born_years_ago(1), sex=Sex.MALE),
        ChildFactory(
            name="乙",
            birth_date=_born_years_ago(7),
            living_arrangement=LivingArrangement.ALONE,
            disability_category=next(iter(DisabilityCategory)).value,
            disability_grade=2,
        ),
        ChildFactory(
            name="丙",
            birth_date=_born_years_ago(16),
            id_number_last4="123X",
            region=region("511502001002"),
        ),
    ]


def _tbody(page: str) -> str:
    match = re.search(r"<tbody>(.*)</tbody>", page, re.DOTALL)
    assert match is not None
    return match.group(1)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_rows_show_what_the_per_row_tags_showed(
    client, township_supervisor, children, language
):
    client.force_login(township_supervisor)

    response = client.get(reverse("web:children"), HTTP_ACCEPT_LANGUAGE=language)

    page = response.content.decode()
    assert f'<html lang="{language}">' in page
    with translation.override(language):
        expected = (
            engines["django"]
            .from_string(PER_ROW_TAGS)
            .render(
                {
                    "children": response.context["children"],
                    "paths": {r.child.region_id: r.region_path for r in response.context["rows"]},
                }
            )
        )
    assert _tbody(page).strip() == expected.strip()
    assert len(response.context["rows"]) == 3


def test_the_english_list_has_english_labels(client, township_supervisor, children):
    client.force_login(township_supervisor)

    page = client.get(reverse("web:children"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    rows = _tbody(page)
    assert "身份证号码" not in rows
    assert "岁" not in rows
    assert 'data-label="Sex: "' in rows


def test_row_links_are_the_childs_url(client, township_supervisor, children):
    client.force_login(township_supervisor)

    rows = client.get(reverse("web:children")).context["rows"]

    assert sorted(r.url for r in rows) == sorted(
        reverse("web:child", args=[c.pk]) for c in children
    )
    assert all(r.region_path.startswith("四川省 / 宜宾市 / 翠屏区 / ") for r in rows)
