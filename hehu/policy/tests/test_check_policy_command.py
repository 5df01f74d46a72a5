from __future__ import annotations

import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

NATIONAL = Path(settings.BASE_DIR) / "policies" / "cn-national.yaml"


def check(*files: str) -> tuple[str, str, int]:
    out, err = StringIO(), StringIO()
    try:
        call_command("check_policy", *files, stdout=out, stderr=err)
        status = 0
    except SystemExit as exc:
        status = int(exc.code or 0)
    return out.getvalue(), err.getvalue(), status


def test_it_accepts_the_national_policy():
    out, err, status = check(str(NATIONAL))
    assert status == 0
    assert "OK — cn-national@2026.1, 8 categories" in out
    assert err == ""


def test_it_reports_every_problem_with_file_line_and_column(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        NATIONAL.read_text(encoding="utf-8").replace(
            "age_on(birth_date, as_of)", "age_on(birth_dat, as_of)", 1
        ),
        encoding="utf-8",
    )
    out, err, status = check(str(NATIONAL), str(bad))
    assert status == 2
    assert "cn-national.yaml: OK" in out
    line = next(line for line in err.splitlines() if "birth_dat" in line)
    assert line.startswith(f"{bad}:")
    _file, row, column, _rest = line.split(":", 3)
    assert int(row) > 1
    assert int(column) > 1


def test_it_checks_an_override_against_its_shipped_base(tmp_path):
    override = tmp_path / "cn-51.yaml"
    override.write_text(
        """hehu_policy: 1
id: cn-51
version: "2026.1"
jurisdiction: "51"
extends: cn-national@2026.1
effective_from: 2026-01-01
effective_to: null
title: {zh: 四川, en: Sichuan}
parameters:
  dibao_line:
    type: double
    label: {zh: 低保标准, en: dibao line}
    values:
      - value: 760
""",
        encoding="utf-8",
    )
    out, err, status = check(str(override))
    assert (status, err) == (0, "")
    assert "cn-51@2026.1" in out


def test_it_says_a_missing_file_cannot_be_read(tmp_path):
    _out, err, status = check(str(tmp_path / "nothing.yaml"))
    assert status == 2
    assert "cannot be read" in err


@pytest.mark.parametrize("script", ["hehu"])
def test_it_runs_from_the_console_script_without_a_database(script):
    done = subprocess.run(  # noqa: S603 - our own console script
        [str(Path(sys.executable).parent / script), "check_policy", str(NATIONAL)],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "OK" in done.stdout
