"""Check the translation catalogues under locale/ before they are compiled and committed.

    .venv/bin/python locale/check_catalogue.py [file.po ...]

Without arguments every locale/*/LC_MESSAGES/*.po is checked. A catalogue passes when:

- no message is left untranslated (every msgstr, and every plural form, is filled in);
- no entry (nor the header) is marked fuzzy;
- every plural entry has as many forms as its Plural-Forms header says;
- placeholders are the same in msgid and msgstr: %(name)s, %s/%d, {0}/{name}, and HTML tags;
- no Chinese characters are left in a non-Chinese catalogue.

The standard library only: fresh machines and CI need nothing more than Python. Exit status 1
when a catalogue fails, with one line per problem.
"""

from __future__ import annotations

import ast
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent

# %(name)s, %(mb).1f, %d, %s … but not %% (a literal percent sign).
PERCENT_RE = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifFeEgGxXoc%]")
BRACE_RE = re.compile(r"(?<!\{)\{[A-Za-z0-9_]*(?:![rsa])?(?::[^{}]*)?\}(?!\})")
# HTML tags (with their attributes); "hehu-<数字>" and "<number>" are not tags.
TAG_RE = re.compile(r"</?(?:a|abbr|b|br|code|em|i|kbd|li|ol|p|span|strong|ul)(?:\s[^<>]*)?/?>")
CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: str | None = None
    msgstr_plural: dict[int, str] = field(default_factory=dict)
    obsolete: bool = False


def parse(path: Path) -> list[Entry]:
    """A small PO reader for gettext tools' output, where a blank line ends each entry."""
    entries: list[Entry] = []
    block: list[tuple[int, str]] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, raw in enumerate([*lines, ""], start=1):
        if raw.strip():
            block.append((number, raw.strip()))
        elif block:
            entries.append(_entry(block, path))
            block = []
    return entries


def _entry(block: list[tuple[int, str]], path: Path) -> Entry:
    entry = Entry(line=block[0][0])
    target: tuple[str, int | None] | None = None
    for number, line in block:
        if line.startswith("#~"):
            entry.obsolete = True
        elif line.startswith("#,"):
            entry.flags.update(f.strip() for f in line[2:].split(",") if f.strip())
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if target is None:
                raise ValueError(f"{path}:{number}: string outside a keyword")
            _append(entry, target, _unquote(line, path, number))
        else:
            keyword, _, rest = line.partition(" ")
            match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            if keyword in ("msgctxt", "msgid", "msgid_plural", "msgstr"):
                target = (keyword, None)
            elif match:
                target = ("msgstr_plural", int(match.group(1)))
            else:
                raise ValueError(f"{path}:{number}: unexpected line {line!r}")
            _append(entry, target, _unquote(rest.strip(), path, number), start=True)
    return entry


def _unquote(text: str, path: Path, number: int) -> str:
    if not (text.startswith('"') and text.endswith('"')):
        raise ValueError(f"{path}:{number}: expected a quoted string, got {text!r}")
    return ast.literal_eval(text)


def _append(entry: Entry, target: tuple[str, int | None], text: str, start: bool = False) -> None:
    name, index = target
    if name == "msgstr_plural":
        if index is None:
            raise ValueError("a plural form needs its index")
        entry.msgstr_plural[index] = ("" if start else entry.msgstr_plural[index]) + text
    else:
        before = "" if start else (getattr(entry, name) or "")
        setattr(entry, name, before + text)


def nplurals(header: Entry | None) -> int:
    if header is None or header.msgstr is None:
        return 2
    match = re.search(r"nplurals\s*=\s*(\d+)", header.msgstr)
    return int(match.group(1)) if match else 2


def language(header: Entry | None, path: Path) -> str:
    if header is not None and header.msgstr:
        match = re.search(r"^Language:\s*(\S+)", header.msgstr, re.MULTILINE)
        if match:
            return match.group(1)
    return path.parent.parent.name


def placeholders(text: str) -> Counter[str]:
    found = Counter(m for m in PERCENT_RE.findall(text) if m != "%%")
    found.update(BRACE_RE.findall(text))
    found.update(TAG_RE.findall(text))
    return found


def check(path: Path) -> list[str]:
    problems: list[str] = []
    entries = [e for e in parse(path) if not e.obsolete]
    header = next((e for e in entries if e.msgid == "" and e.msgctxt is None), None)
    forms = nplurals(header)
    chinese = language(header, path).lower().replace("_", "-").startswith("zh")
    if header is not None and "fuzzy" in header.flags:
        problems.append(f"{path}:{header.line}: the header is marked fuzzy")
    for entry in entries:
        if entry is header:
            continue
        where = f"{path}:{entry.line}: {entry.msgid[:60]!r}"
        if "fuzzy" in entry.flags:
            problems.append(f"{where}: marked fuzzy")
        if entry.msgid_plural is None:
            pairs = [(entry.msgid, entry.msgstr or "", "msgstr")]
        else:
            if sorted(entry.msgstr_plural) != list(range(forms)):
                problems.append(
                    f"{where}: has plural forms {sorted(entry.msgstr_plural)}, expected {forms}"
                )
            pairs = [
                (entry.msgid if n == 0 else entry.msgid_plural, text, f"msgstr[{n}]")
                for n, text in sorted(entry.msgstr_plural.items())
            ]
        for source, translation, name in pairs:
            if not translation:
                problems.append(f"{where}: {name} is empty")
                continue
            want, got = placeholders(source), placeholders(translation)
            if want != got:
                missing = sorted((want - got).elements())
                extra = sorted((got - want).elements())
                problems.append(
                    f"{where}: {name} placeholders differ (missing {missing}, extra {extra})"
                )
            if not chinese and CJK_RE.search(translation):
                problems.append(f"{where}: {name} still contains Chinese characters")
    return problems


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))
    if not paths:
        print("No catalogues found.")
        return 1
    failed = False
    for path in paths:
        problems = check(path)
        count = sum(1 for e in parse(path) if not e.obsolete and e.msgid)
        if problems:
            failed = True
            print("\n".join(problems))
            print(f"{path}: {len(problems)} problem(s) in {count} messages")
        else:
            print(f"{path}: OK, {count} messages translated")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
