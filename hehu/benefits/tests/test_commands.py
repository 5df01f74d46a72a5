from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hehu.benefits.catalogue import DEFAULT_DIR


def _run(name: str, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(name, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_check_standards_says_ok_with_the_number_of_programmes() -> None:
    out, err = _run("check_standards")

    assert out.startswith("OK：11 个救助项目，2 个文件")
    assert "OK: 11 programmes in 2 files" in out
    assert err == ""


def test_check_standards_prints_each_problem_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "cn-national.yaml").write_text(
        (DEFAULT_DIR / "cn-national.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "sichuan.yaml").write_text(
        'hehu_benefits: 1\nid: x\nversion: "1"\njurisdiction: "51"\neffective_from: 2025-01-01\n'
        "programmes:\n  orphan_scattered:\n    values:\n      - amount: -5\n",
        encoding="utf-8",
    )
    out, err = StringIO(), StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("check_standards", str(tmp_path), stdout=out, stderr=err)

    assert exited.value.code == 2
    assert out.getvalue() == ""
    assert err.getvalue() == (
        f"{tmp_path / 'sichuan.yaml'}:9:17: 救助项目“orphan_scattered”的金额不能为负数（-5）\n"
    )


def test_check_standards_messages_in_english_on_request(tmp_path: Path) -> None:
    (tmp_path / "cn-national.yaml").write_text("hehu_benefits: 1\n", encoding="utf-8")
    err = StringIO()
    with pytest.raises(SystemExit):
        call_command("check_standards", str(tmp_path), "--en", stdout=StringIO(), stderr=err)

    assert "the benefit file is missing the key 'id'" in err.getvalue()


def test_check_standards_messages_are_chinese_first(tmp_path: Path) -> None:
    (tmp_path / "cn-national.yaml").write_text("hehu_benefits: 1\n", encoding="utf-8")
    err = StringIO()
    with pytest.raises(SystemExit):
        call_command("check_standards", str(tmp_path), stdout=StringIO(), stderr=err)

    assert f"{tmp_path / 'cn-national.yaml'}:1:1: 救助标准文件缺少键“id”" in err.getvalue()


def test_standard_amounts_prints_a_regions_month() -> None:
    out, _ = _run("standard_amounts", "--region", "511502", "--month", "2026-03")
    lines = {line.split("\t")[0]: line.split("\t") for line in out.splitlines()[1:]}

    assert out.splitlines()[0] == "511502 2026-03"
    assert lines["orphan_scattered"][2] == "1651.00"
    assert lines["orphan_institutional"][2] == "1851.00"
    assert lines["de_facto_unattended"][2] == "1651.00"
    assert lines["dibao_child"][2] == "430.50"
    assert lines["education_aid"][2] == "按个案 / by case"
    assert "cn-51-yibin-demo.yaml:" in lines["orphan_scattered"][3]


def test_standard_amounts_refuses_a_bad_month() -> None:
    with pytest.raises(CommandError, match="YYYY-MM"):
        _run("standard_amounts", "--region", "511502", "--month", "March")
