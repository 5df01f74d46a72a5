import copy
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hehu.audit.models import AuditEntry, Verb
from hehu.regions.tests.factories import region
from hehu.registry.facts import child_to_facts, validate_facts
from hehu.registry.models import Child
from hehu.registry.services import child_register
from hehu.registry.tests.factories import child_data, full_child_data
from hehu.registry.tests.test_facts_schema import EXAMPLE

pytestmark = pytest.mark.django_db
VILLAGE = "511502001001"


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def example(**changes):
    region(VILLAGE)
    doc = copy.deepcopy(EXAMPLE)
    doc.update(region_code=VILLAGE, hukou_region_code=VILLAGE, **changes)
    return doc


def test_export_prints_the_document_and_records_it(village_director):
    child = child_register(actor=village_director, data=full_child_data())
    out = run("facts_export", "--child", str(child.pk), "--as", village_director.username)
    doc = json.loads(out)
    assert doc == child_to_facts(child)
    assert validate_facts(doc) == []
    assert AuditEntry.objects.get(verb=Verb.CHILD_EXPORTED).actor == village_director


def test_export_prints_one_line_per_child(village_director):
    first = child_register(actor=village_director, data=child_data(name="甲"))
    second = child_register(actor=village_director, data=child_data(name="乙"))
    out = run(
        "facts_export",
        "--child",
        str(first.pk),
        "--child",
        str(second.pk),
        "--as",
        village_director.username,
    )
    assert [json.loads(line)["id"] for line in out.splitlines()] == [
        f"hehu-{first.pk}",
        f"hehu-{second.pk}",
    ]


def test_export_refuses_a_child_outside_the_accounts_jurisdiction(
    village_director, director_elsewhere
):
    child = child_register(actor=village_director, data=child_data())
    with pytest.raises(CommandError, match="管辖范围"):
        run("facts_export", "--child", str(child.pk), "--as", director_elsewhere.username)
    assert not AuditEntry.objects.filter(verb=Verb.CHILD_EXPORTED).exists()


def test_export_refuses_an_unknown_account():
    with pytest.raises(CommandError, match="nobody"):
        run("facts_export", "--child", "1", "--as", "nobody")


def test_import_reads_json_lines_and_reports_each_document(county_officer, tmp_path):
    good = {"facts": example(), "child": {"name": "王小花"}}
    bad = {"facts": example(id="ext-002", sex="girl"), "child": {"name": "李四"}}
    lines = [json.dumps(good, ensure_ascii=False), "", json.dumps(bad), "{not json"]
    path = tmp_path / "children.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    out = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("facts_import", str(path), "--as", county_officer.username, stdout=out)
    assert refused.value.returncode == 2
    results = [json.loads(line) for line in out.getvalue().splitlines()]
    child = Child.objects.get()
    assert results[0] == {
        "line": 1,
        "id": "ext-001",
        "result": "created",
        "child": child.pk,
        "version": 1,
    }
    assert (results[1]["line"], results[1]["id"]) == (3, "ext-002")
    assert list(results[1]["error"]["errors"]) == ["facts.sex"]
    assert (results[2]["line"], results[2]["error"]["code"]) == (4, "invalid_json")


def test_import_reads_an_array_and_updates_files_it_knows(county_officer, tmp_path):
    child = child_register(actor=county_officer, data=full_child_data())
    changed = {**child_to_facts(child), "living_arrangement": "alone"}
    new = example(id="ext-9")
    del new["region_code"], new["hukou_region_code"]
    path = tmp_path / "children.json"
    path.write_text(json.dumps([changed, {"facts": new, "child": {"name": "赵六"}}]))
    out = run("facts_import", str(path), "--as", county_officer.username, "--region", VILLAGE)
    first, second = (json.loads(line) for line in out.splitlines())
    assert first == {
        "index": 0,
        "id": f"hehu-{child.pk}",
        "result": "updated",
        "child": child.pk,
        "version": 2,
    }
    assert (second["index"], second["result"]) == (1, "created")
    assert Child.objects.get(pk=second["child"]).region_id == VILLAGE
    assert Child.objects.get(pk=child.pk).living_arrangement == "alone"


def test_import_refuses_documents_for_an_account_that_may_not_import(village_director, tmp_path):
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps({"facts": example(), "child": {"name": "王小花"}}))
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("facts_import", str(path), "--as", village_director.username, stdout=out)
    assert json.loads(out.getvalue())["error"]["code"] == "permission_denied"
    assert not Child.objects.exists()
