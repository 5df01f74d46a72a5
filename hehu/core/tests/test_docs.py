"""The README and docs/ stay true to the code: accounts, links, commands, settings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import get_commands

from hehu.accounts.demo import DEMO_ACCOUNTS
from hehu.demo.services import DEMO_PASSWORD

ROOT = Path(settings.BASE_DIR)
README = ROOT / "README.md"
DOCS = [README, *sorted((ROOT / "docs").rglob("*.md"))]
LINK_RE = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_it_lists_every_demo_account_with_its_role_in_the_readme():
    rows = re.findall(r"^\| `([\w-]+)` \| [^|]+ \((\w+)\) \|", _text(README), re.MULTILINE)
    assert rows == [(a.username, a.role.value) for a in DEMO_ACCOUNTS]
    assert f"`{DEMO_PASSWORD}`" in _text(README)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_it_links_only_to_files_that_exist(doc):
    targets = [t for t in LINK_RE.findall(_text(doc)) if "://" not in t]
    missing = [t for t in targets if not (doc.parent / t).exists()]
    assert not missing


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_it_names_only_management_commands_that_exist(doc):
    named = set(re.findall(r"manage\.py (\w+)", _text(doc)))
    assert named - set(get_commands()) == set()


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_it_names_only_settings_the_code_reads(doc):
    code = "\n".join(_text(p) for p in [*ROOT.glob("config/**/*.py"), *ROOT.glob("hehu/**/*.py")])
    named = set(re.findall(r"\bHEHU_[A-Z_]+[A-Z]\b", _text(doc)))
    assert {name for name in named if name not in code} == set()
