"""Changes shown as a person reads them: the field's label, old → new, choices by name."""

from __future__ import annotations

import pytest
from django.utils import translation

from hehu.audit.display import change_rows, object_label
from hehu.audit.models import AuditEntry, Verb


def rows(object_type, changes):
    entry = AuditEntry(verb=Verb.CHILD_UPDATED, object_type=object_type, changes=changes)
    return [(r.label, r.old, r.new, r.is_change) for r in change_rows(entry)]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"living_arrangement": ["with_parents", "alone"]},
            ("居住情况", "与父母同住", "独自居住", True),
        ),
        ({"serious_illness": [False, True]}, ("患重病", "否", "是", True)),
        ({"guardian_name": [None, "王芳"]}, ("监护人姓名", "—", "王芳", True)),
        ({"id_number": ["***1234", "***5678"]}, ("身份证号", "***1234", "***5678", True)),
        (
            {"parents[father].conditions[0].type": [None, "imprisoned"]},
            ("父亲 · 父母情形 1 · 情形", "—", "服刑在押", True),
        ),
        (
            {"household.members[1].relation": ["祖母", "外祖母"]},
            ("家庭 · 家庭成员 2 · 与儿童关系", "祖母", "外祖母", True),
        ),
    ],
)
def test_it_labels_a_registry_file_diff(changes, expected):
    assert rows("child", changes) == [expected]


def test_it_reads_the_old_new_pairs_of_account_changes():
    assert rows("user", {"role": {"old": "village_director", "new": "township_supervisor"}}) == [
        ("角色", "儿童主任", "儿童督导员", True)
    ]


def test_it_shows_a_merge_summary_as_values_and_nested_pairs():
    changes = {
        "merged_from": 17,
        "filled": {"guardian_phone": ["", "13800000000"]},
        "moved": {"attachments": 2},
    }
    assert rows("child", changes) == [
        ("从被合并档案补全 · 监护人电话", "—", "13800000000", True),
        ("并入的档案编号", "", "17", False),
        ("转入的记录数 · 附件", "", "2", False),
    ]


def test_it_falls_back_to_the_raw_key_for_unknown_fields():
    assert rows("region_table", {"rejected": 3}) == [("rejected", "", "3", False)]


def test_it_leaves_out_pairs_that_show_no_change():
    assert rows("user", {"department": {"old": None, "new": ""}, "phone": [None, "138"]}) == [
        ("电话", "—", "138", True)
    ]


def test_it_shows_jurisdictions_as_words_with_the_nation_for_the_empty_prefix():
    assert rows("user", {"prefixes": {"old": ["511502"], "new": ["", "51"]}}) == [
        ("管辖范围", "511502", "全国、51", True)
    ]


@pytest.mark.parametrize(
    ("object_type", "object_id", "expected"),
    [
        ("user", "12", "账号 12"),
        ("child", "7", "儿童档案 7"),
        ("region_table", "national-2024", "区划表 national-2024"),
        ("audit_log", "search", "审计记录"),
        ("something_new", "3", "something_new 3"),
    ],
)
def test_it_names_what_an_entry_is_about(object_type, object_id, expected):
    entry = AuditEntry(verb=Verb.USER_UPDATED, object_type=object_type, object_id=object_id)
    assert object_label(entry) == expected


def test_it_names_the_operation_an_audit_search_asked_for():
    assert rows("audit_log", {"verb": "child.viewed"}) == [("操作", "", "查看儿童档案", False)]


def test_it_lists_values_with_the_separator_of_the_language():
    changes = {"prefixes": {"old": ["511502"], "new": ["51", "52"]}}
    with translation.override("en"):
        ((_, old, new, _),) = rows("user", changes)
    assert (old, new) == ("511502", "51, 52")
    assert rows("user", changes)[0][2] == "51、52"
