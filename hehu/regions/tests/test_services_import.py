from __future__ import annotations

from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from hehu.audit.models import AuditEntry, Verb
from hehu.regions.errors import RegionTableInvalid
from hehu.regions.models import Region, RegionChange
from hehu.regions.services import regions_import
from hehu.regions.tests.factories import region

pytestmark = pytest.mark.django_db

GOOD = """code,name,level,urban_rural
511502001000,示例街道,township,
511502001001,示例社区,village,111
511502001201,示例村,village,220
511502100000,示例镇,乡镇,
511502100201,示例镇村,村,220
"""


def _table(text: str, encoding: str = "utf-8") -> BytesIO:
    return BytesIO(text.encode(encoding))


@pytest.fixture
def county() -> Region:
    return region("511502000000")


def _codes() -> set[str]:
    return set(
        Region.objects.filter(level__in=["township", "village"]).values_list("code", flat=True)
    )


def test_it_imports_a_good_table(county: Region, admin_user) -> None:
    report = regions_import(actor=admin_user, file=_table(GOOD), source_year=2023)
    assert (report.rows, report.created, report.updated, report.rejected) == (5, 5, 0, [])
    village = Region.objects.get(code="511502001201")
    assert (village.name, village.level, village.parent_id) == ("示例村", "village", "511502001000")
    assert (village.urban_rural, village.source_year, village.is_demo) == ("220", 2023, False)
    entry = AuditEntry.objects.get(verb=Verb.REGIONS_IMPORTED)
    assert entry.actor == admin_user
    assert entry.changes["created"] == 5
    assert entry.changes["rejected"] == 0


def test_it_rejects_each_bad_row_with_its_line_and_reason(county: Region, admin_user) -> None:
    text = "\n".join(
        [
            "code,name,level,urban_rural",
            "511502001000,示例街道,township,",  # 2 ok
            "51150200100,短代码,village,111",  # 3
            "511502000000,县级,county,",  # 4
            "511502600000,超范围乡镇,township,",  # 5
            "511502001400,超范围村,village,220",  # 6
            "511502001002,,village,111",  # 7
            "511502001003,错分类,village,999",  # 8
            "511502001004,缺分类,village,",  # 9
            "511502001000,重复街道,township,",  # 10
            "511503001000,无上级,township,",  # 11
            "511502300001,上级不存在,village,111",  # 12
            "511502002000,层级不符,village,",  # 13
            "511502001005,层级不明,小组,111",  # 14
            "511502001001,示例社区,village,111",  # 15 ok
        ]
    )
    report = regions_import(actor=admin_user, file=_table(text), source_year=2023)
    reasons = {(p.line, p.code): p.reason for p in report.rejected}
    assert reasons == {
        (3, "51150200100"): "区划代码必须是12位数字",
        (4, "511502000000"): "只能导入乡镇（街道）和村（社区）两级；该代码是县级区划",
        (5, "511502600000"): "乡镇代码（第7–9位）必须在001–599之间",
        (6, "511502001400"): "村级代码（第10–12位）必须在001–399之间",
        (7, "511502001002"): "名称不能为空",
        (8, "511502001003"): "城乡分类代码“999”无效，应为 111、112、121、122、123、210 或 220",
        (9, "511502001004"): "村（社区）必须填写城乡分类代码",
        (10, "511502001000"): "区划代码在文件中重复，首次出现在第2行",
        (11, "511503001000"): "上级区划 511503000000 不存在（数据库和文件前面的行中都没有）",
        (12, "511502300001"): "上级区划 511502300000 不存在（数据库和文件前面的行中都没有）",
        (13, "511502002000"): "层级“village”与区划代码不符：代码表示乡镇（街道）",
        (14, "511502001005"): "层级“小组”无法识别",
    }
    assert (report.created, report.rows) == (2, 14)
    assert _codes() == {"511502001000", "511502001001"}
    assert Region.objects.get(code="511502001000").name == "示例街道"


def test_it_checks_the_parent_code_column_against_the_code(county: Region, admin_user) -> None:
    text = (
        "code,name,parent_code,urban_rural\n"
        "511502001000,示例街道,511502000000,\n"
        "511502001001,示例社区,511502002000,111\n"
    )
    report = regions_import(actor=admin_user, file=_table(text), source_year=2023)
    assert [(p.line, p.reason) for p in report.rejected] == [
        (3, "上级代码 511502002000 与区划代码不符，应为 511502001000")
    ]
    assert _codes() == {"511502001000"}


def test_it_warns_but_imports_a_class_that_contradicts_the_committee_kind(
    county: Region, admin_user
) -> None:
    text = (
        "code,name,level,urban_rural\n"
        "511502001000,示例街道,township,\n"
        "511502001001,示例社区,village,220\n"
        "511502001201,示例村,village,111\n"
    )
    report = regions_import(actor=admin_user, file=_table(text), source_year=2023)
    assert report.rejected == []
    assert [(p.line, p.code) for p in report.warnings] == [
        (3, "511502001001"),
        (4, "511502001201"),
    ]
    assert "居委会" in report.warnings[0].reason
    assert "村委会" in report.warnings[1].reason
    assert Region.objects.get(code="511502001001").urban_rural == "220"


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig"])
def test_it_reads_gbk_and_utf8_with_bom(county: Region, admin_user, encoding: str) -> None:
    report = regions_import(actor=admin_user, file=_table(GOOD, encoding), source_year=2023)
    assert report.created == 5
    assert Region.objects.get(code="511502100000").name == "示例镇"


def test_it_accepts_chinese_headers(county: Region, admin_user) -> None:
    text = "统计用区划代码,名称,城乡分类代码,上级代码\n511502001000,示例街道,,511502000000\n"
    report = regions_import(actor=admin_user, file=_table(text, "gbk"), source_year=2023)
    assert report.created == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "区划表是空文件"),
        (b"code,name,level,urban_rural\n", "区划表只有表头，没有数据行"),
        (b"code,name\n511502001000,x\n", "区划表缺少必需的列：level / parent_code"),
        (
            "511502001000,示例街道,township,\n511502001001,示例社区,village,111\n".encode(),
            "区划表缺少必需的列：code、name、level / parent_code",
        ),
        (b"code,name,level\n\xff\xfe\x80\n", "文件编码无法识别"),
    ],
)
def test_it_refuses_a_broken_file_whole_and_applies_nothing(
    county: Region, admin_user, data: bytes, message: str
) -> None:
    before = Region.objects.count()
    with pytest.raises(RegionTableInvalid) as caught:
        regions_import(actor=admin_user, file=BytesIO(data), source_year=2023)
    assert message in str(caught.value.message)
    assert caught.value.field == "file"
    assert Region.objects.count() == before
    assert not AuditEntry.objects.filter(verb=Verb.REGIONS_IMPORTED).exists()


def test_it_refuses_an_impossible_source_year(county: Region, admin_user) -> None:
    with pytest.raises(RegionTableInvalid) as caught:
        regions_import(actor=admin_user, file=_table(GOOD), source_year=23)
    assert caught.value.field == "source_year"
    assert _codes() == set()


def test_it_keeps_history_when_a_newer_table_renames_or_reclassifies(
    county: Region, admin_user
) -> None:
    regions_import(actor=admin_user, file=_table(GOOD), source_year=2022)
    newer = GOOD.replace("示例镇村,村,220", "新名村,村,210")
    report = regions_import(actor=admin_user, file=_table(newer), source_year=2023)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 4)
    village = Region.objects.get(code="511502100201")
    assert (village.name, village.urban_rural, village.source_year) == ("新名村", "210", 2023)
    assert Region.objects.get(code="511502001000").source_year == 2023
    changes = {(c.field, c.old, c.new, c.source_year) for c in RegionChange.objects.all()}
    assert changes == {("name", "示例镇村", "新名村", 2023), ("urban_rural", "220", "210", 2023)}


def test_it_does_not_let_an_older_table_undo_a_newer_one(county: Region, admin_user) -> None:
    regions_import(actor=admin_user, file=_table(GOOD), source_year=2023)
    older = GOOD.replace("示例村,village,220", "旧名村,village,220")
    report = regions_import(actor=admin_user, file=_table(older), source_year=2020)
    assert report.updated == 0
    assert [p.code for p in report.warnings] == [
        "511502001000",
        "511502001001",
        "511502001201",
        "511502100000",
        "511502100201",
    ]
    assert Region.objects.get(code="511502001201").name == "示例村"
    assert not RegionChange.objects.exists()


def test_real_data_replaces_demo_data_with_the_same_code(county: Region, admin_user) -> None:
    Region.objects.create(
        code="511502001000",
        name="（演示）文星街道",
        level="township",
        parent=county,
        source_year=2024,
        is_demo=True,
    )
    report = regions_import(actor=admin_user, file=_table(GOOD), source_year=2023)
    assert (report.created, report.updated) == (4, 1)
    street = Region.objects.get(code="511502001000")
    assert (street.name, street.is_demo, street.source_year) == ("示例街道", False, 2023)


def test_the_command_imports_a_file_and_reports_rejections(county: Region, tmp_path: Path):
    path = tmp_path / "townships.csv"
    path.write_bytes((GOOD + "51150200100,短代码,village,111\n").encode("gbk"))
    stdout, stderr = StringIO(), StringIO()
    call_command("import_regions", str(path), year=2023, stdout=stdout, stderr=stderr)
    assert "created 5" in stdout.getvalue()
    assert "rejected 1" in stdout.getvalue()
    assert "line 7 51150200100: 区划代码必须是12位数字" in stderr.getvalue()
    assert len(_codes()) == 5


def test_the_command_refuses_a_broken_file(county: Region, tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(CommandError, match="区划表是空文件"):
        call_command("import_regions", str(path), year=2023)
    missing = tmp_path / "missing.csv"
    with pytest.raises(CommandError, match="无法读取区划表文件 missing.csv"):
        call_command("import_regions", str(missing), year=2023)
