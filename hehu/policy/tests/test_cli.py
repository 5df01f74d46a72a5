"""`hehu classify`: facts documents in, one JSON line per document out, in order.

These tests use no database (no django_db mark): the command must work without one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command

from hehu.policy.policies import shipped_policies

VILLAGE = "511502100201"


def facts(doc_id: str, **changes: Any) -> dict[str, Any]:
    """Father dead, mother in prison for 36 months from 2024-03-01: de facto unattended
    (rule B) while the sentence runs."""
    doc: dict[str, Any] = {
        "id": doc_id,
        "birth_date": "2015-03-02",
        "sex": "female",
        "region_code": VILLAGE,
        "parents": [
            {"role": "father", "vital_status": "dead"},
            {
                "role": "mother",
                "vital_status": "alive",
                "conditions": [{"type": "imprisoned", "since": "2024-03-01", "term_months": 36}],
            },
        ],
    }
    doc.update(changes)
    return doc


def plain(doc_id: str) -> dict[str, Any]:
    return facts(doc_id, parents=[{"role": "father", "vital_status": "alive"}])


def jsonl(*docs: Any) -> str:
    return "".join((d if isinstance(d, str) else json.dumps(d)) + "\n" for d in docs)


def run(text: str, *args: str) -> tuple[list[dict[str, Any]], int]:
    """The command's output lines and its exit status (0, or CommandError's returncode)."""
    out = StringIO()
    status = 0
    try:
        call_command("classify", *args, "-", stdin=StringIO(text), stdout=out, stderr=StringIO())
    except CommandError as exc:
        status = exc.returncode
    return [json.loads(line) for line in out.getvalue().splitlines()], status


def codes(line: dict[str, Any]) -> list[str]:
    return [c["code"] for c in line["categories"]]


def test_it_writes_one_line_per_document_in_input_order():
    lines, status = run(jsonl(facts("a"), plain("b"), facts("c")), "--as-of", "2026-03-01")
    assert status == 0
    assert [line["id"] for line in lines] == ["a", "b", "c"]
    assert codes(lines[0]) == ["de_facto_unattended"]
    assert codes(lines[1]) == []
    assert lines[0]["policy"] == "cn-national@2026.1"
    assert lines[0]["as_of"] == "2026-03-01"


def test_it_explains_why_and_why_not():
    [line], _ = run(jsonl(facts("a")), "--as-of", "2026-03-01")
    reasons = line["categories"][0]["reasons"]
    assert all(r["holds"] for r in reasons)
    assert "father.vital_status" in json.dumps(reasons)
    orphan = next(n for n in line["not_in"] if n["code"] == "orphan")
    assert orphan["failed"]["holds"] is False
    assert orphan["name"] == {"zh-hans": "孤儿", "en": "orphan"}


def test_it_answers_an_invalid_document_on_its_line_and_exits_2():
    bad = facts("bad", birth_date="2015-02-30", colour="red")
    lines, status = run(jsonl(facts("a"), bad, facts("c")), "--as-of", "2026-03-01")
    assert status == 2
    assert [line["id"] for line in lines] == ["a", "bad", "c"]
    assert codes(lines[0]) == codes(lines[2]) == ["de_facto_unattended"]
    error = lines[1]["error"]
    assert set(lines[1]) == {"id", "error"}
    assert error["code"] == "invalid_facts"
    assert {p["path"] for p in error["problems"]} == {"birth_date", "colour"}
    assert all(p["message"] for p in error["problems"])


def test_it_answers_a_line_that_is_not_json_and_goes_on():
    lines, status = run(jsonl(facts("a"), '{"id": "x",', "", plain("b")), "--as-of", "2026-03-01")
    assert status == 2
    assert [line["id"] for line in lines] == ["a", None, "b"]
    assert lines[1]["error"]["code"] == "invalid_json"
    assert "line 2" in lines[1]["error"]["message"]


def test_it_reads_a_json_array():
    text = "  \n" + json.dumps([facts("a"), plain("b"), 17], indent=2)
    lines, status = run(text, "--as-of", "2026-03-01")
    assert [line.get("id") for line in lines] == ["a", "b", None]
    assert codes(lines[0]) == ["de_facto_unattended"]
    assert lines[2]["error"]["code"] == "invalid_facts"
    assert status == 2


def test_it_classifies_as_of_the_date_given():
    # The 36-month sentence from 2024-03-01 runs through 2027-02-28 (the day before the
    # corresponding day, as a judgment writes it).
    [during], _ = run(jsonl(facts("a")), "--as-of", "2027-02-28")
    [after], _ = run(jsonl(facts("a")), "--as-of", "2027-03-01")
    assert codes(during) == ["de_facto_unattended"]
    assert codes(after) == []
    assert after["as_of"] == "2027-03-01"


@time_machine.travel("2026-03-01T20:00:00Z")
def test_it_classifies_as_of_today_in_china_by_default():
    [line], _ = run(jsonl(facts("a")))
    assert line["as_of"] == "2026-03-02"  # 04:00 on 2 March in Beijing


def test_it_uses_the_policy_named():
    [latest], _ = run(jsonl(facts("a")), "--policy", "cn-national", "--as-of", "2026-03-01")
    [exact], _ = run(jsonl(facts("a")), "--policy", "cn-national@2026.1", "--as-of", "2026-03-01")
    assert latest["policy"] == exact["policy"] == "cn-national@2026.1"


def test_it_refuses_an_unknown_policy_clearly():
    with pytest.raises(CommandError, match="no-such-policy") as raised:
        call_command("classify", "--policy", "no-such-policy", "-", stdin=StringIO(""))
    assert raised.value.returncode == 2


def test_it_reads_a_file(tmp_path):
    path = tmp_path / "facts.jsonl"
    path.write_text(jsonl(plain("b"), facts("a")), encoding="utf-8")
    out = StringIO()
    call_command("classify", "--as-of", "2026-03-01", str(path), stdout=out)
    assert [json.loads(x)["id"] for x in out.getvalue().splitlines()] == ["b", "a"]


@pytest.fixture
def bad_policy_dir(tmp_path, settings):
    text = (Path(settings.BASE_DIR) / "policies" / "cn-national.yaml").read_text("utf-8")
    broken = text.replace("is_minor", "is_minr", 1)
    assert broken != text
    (tmp_path / "cn-national.yaml").write_text(broken, encoding="utf-8")
    settings.HEHU_POLICY_DIR = tmp_path
    shipped_policies.cache_clear()
    yield tmp_path
    shipped_policies.cache_clear()


def test_it_refuses_a_malformed_policy_with_file_line_and_column(bad_policy_dir):
    err, out = StringIO(), StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("classify", "-", stdin=StringIO(jsonl(facts("a"))), stdout=out, stderr=err)
    assert raised.value.returncode == 2
    assert out.getvalue() == ""  # nothing classified under a partial policy
    first = err.getvalue().splitlines()[0]
    assert first.startswith(f"{bad_policy_dir / 'cn-national.yaml'}:")
    line, column = first.split(":")[1:3]
    assert line.isdigit()
    assert column.isdigit()


def test_the_console_script_runs_it_without_a_database():
    hehu = Path(sys.executable).parent / "hehu"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        # Nothing listens here: any query would fail the command.
        "DATABASE_URL": "postgres://nobody:none@127.0.0.1:9/nowhere",
    }
    done = subprocess.run(  # noqa: S603 — our own console script, fixed arguments
        [str(hehu), "classify", "--as-of", "2026-03-01", "-"],
        input=jsonl(facts("a"), facts("bad", sex="x")),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 2, done.stderr
    assert codes(lines[0]) == ["de_facto_unattended"]
    assert lines[1]["error"]["problems"][0]["path"] == "sex"


def test_benefits_adds_the_months_entitlements_topping_up_what_the_child_receives():
    doc = facts(
        "b",
        living_arrangement="with_relatives",
        receiving=[{"programme": "dibao_child", "monthly_amount": 400}],
    )
    (line,), status = run(jsonl(doc), "--benefits", "--as-of", "2026-03-15")
    assert status == 0
    (entitlement,) = line["entitlements"]
    assert entitlement["programme"] == "de_facto_unattended"
    assert entitlement["monthly_amount"] == 1251.0  # DOMAIN.md §10 scenario 4
    assert any("补差发放" in r["zh-hans"] for r in entitlement["reasons"])


def test_benefits_needs_the_region_of_the_document():
    doc = facts("r")
    del doc["region_code"]
    (line,), status = run(jsonl(doc), "--benefits", "--as-of", "2026-03-15")
    assert status == 0
    assert "entitlements" not in line
    assert "region_code" in line["entitlements_error"]


def test_without_benefits_there_are_no_entitlements():
    (line,), _status = run(jsonl(facts("n")), "--as-of", "2026-03-15")
    assert "entitlements" not in line
