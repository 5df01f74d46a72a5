"""The statement and budget workbooks: they open with openpyxl, carry Chinese and English
headers, the same numbers as the pages (as numbers), and each export is audited."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from hehu.audit.models import AuditEntry, Verb
from hehu.benefits.tests.reports_factories import STREET, TOWN, analyst, march_rolls
from hehu.registry.models import Child

pytestmark = pytest.mark.django_db
D = Decimal


def download(user, name: str, **params: str):
    client = Client()
    client.force_login(user)
    response = client.get(reverse(f"benefit_reports:{name}"), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content))


def rows_of(sheet) -> list[tuple]:
    return list(sheet.iter_rows(min_row=3, values_only=True))


def test_the_statement_workbook_has_every_level_with_the_pages_numbers() -> None:
    march_rolls()
    user = analyst("51")
    book = download(user, "statement_export", region="51", month="2026-03")
    assert book.sheetnames == ["各级汇总 By region", "分项目 By programme", "名册状态 Rolls"]
    summary = book["各级汇总 By region"]
    header_zh = [c.value for c in summary[1]]
    header_en = [c.value for c in summary[2]]
    assert header_zh[2:4] == ["区划代码", "区域"]
    assert "应发金额（元）" in header_zh
    assert "due (yuan)" in header_en
    due = header_zh.index("应发金额（元）")
    children = header_zh.index("人数")
    by_code = {}
    for row in rows_of(summary):
        by_code.setdefault(row[2], row)
    assert by_code["51"][due] == 11755  # numbers, not text
    assert isinstance(by_code["51"][due], float | int)
    assert by_code["5115"][children] == 5
    assert by_code["511503"][4] == "未生成名册"
    assert by_code["511503"][due] == 0
    assert by_code[TOWN][due] == 3951
    assert by_code[STREET][due] == 3102
    # Each level adds up to the province.
    levels = {}
    for row in rows_of(summary)[1:]:
        levels.setdefault(row[0], []).append(row)
    for level in ("市级", "县级", "乡镇（街道）"):
        assert sum(r[due] for r in levels[level]) == 11755, level
    villages = sum(r[due] for r in levels["村（社区）"])
    outside = [r for r in levels["乡镇（街道）"] if r[6] == "是"]
    assert villages + sum(r[due] for r in outside) == 11755
    # No child is named anywhere in the workbook.
    text = " ".join(
        str(v)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for v in row
    )
    assert not [n for n in Child.objects.values_list("name", flat=True) if n in text]


def test_the_programme_sheet_and_the_rolls_sheet() -> None:
    march_rolls()
    book = download(analyst(), "statement_export", region="5115", month="2026-03")
    programmes = rows_of(book["分项目 By programme"])
    city_total = [r for r in programmes if r[0] == "5115" and r[2] is None]
    assert city_total[0][4] == "total"
    assert city_total[0][6] == 11755
    orphan = [r for r in programmes if r[0] == "511502" and r[2] == "orphan_scattered"][0]
    assert orphan[3:5] == ("孤儿基本生活费（社会散居）", "orphan allowance (scattered care)")
    assert orphan[8] == 1500  # failed
    rolls = rows_of(book["名册状态 Rolls"])
    assert rolls == [
        ("511502", "翠屏区", "511502-202603", "已对账", "reconciled"),
        ("511503", "南溪区", None, "未生成名册", "no roll"),
        ("511524", "长宁县", "511524-202603", "已生成待复核", "generated"),
    ]


def test_each_export_is_audited_with_its_scope() -> None:
    march_rolls()
    user = analyst()
    download(user, "statement_export", region="5115", month="2026-03")
    download(user, "budget_export", region="5115", year="2026")
    entries = AuditEntry.objects.filter(verb=Verb.BENEFIT_REPORT_EXPORTED).order_by("pk")
    assert [(e.object_type, e.object_id, e.actor_id) for e in entries] == [
        ("benefit_statement", "5115:2026-03", user.pk),
        ("benefit_budget", "5115:2026", user.pk),
    ]
    assert entries[0].changes["counties"] == 3


def test_the_budget_workbook_has_the_months_regions_and_programmes() -> None:
    march_rolls()
    book = download(analyst(), "budget_export", region="5115", year="2026")
    assert book.sheetnames == ["按月 By month", "按区域 By region", "按项目 By programme"]
    months = rows_of(book["按月 By month"])
    assert len(months) == 13
    march = [r for r in months if r[0] == "2026-03"][0]
    assert march[1:3] == ("实际", "actual")
    assert march[3] == 10355  # 翠屏区's reconciled March (长宁县's is not approved)
    assert months[-1][0] == "合计 total"
    regions = {r[0]: r for r in rows_of(book["按区域 By region"])}
    assert regions["511502"][2] == 12006
    assert regions["511503"][5] == 0
    assert regions["5115"][5] == sum(r[5] for code, r in regions.items() if code != "5115")
    programmes = {r[0]: r for r in rows_of(book["按项目 By programme"])}
    assert programmes["education_aid"][3] == 800
