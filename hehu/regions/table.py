"""Reading and checking an official township/village table, without touching the database.

The table is a CSV with the columns code, name, level *or* parent_code, and urban_rural (the
NBS urban–rural class). Official tables are often GBK, so UTF-8 (with or without BOM) and
GB18030 (a superset of GBK) are both read. A file that cannot be read as a table is refused
whole (`RegionTableInvalid`); a row that breaks a rule is rejected with its line number and
a plain reason, and the rest of the file still counts.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from hehu.core.text import join_list
from hehu.regions.codes import (
    CODE_RE,
    Level,
    VillageKind,
    level_of,
    township_kind,
    village_kind,
)
from hehu.regions.errors import RegionTableInvalid
from hehu.regions.models import Region

NAME_MAX = 100
URBAN_RURAL_CLASSES = frozenset(Region.UrbanRural.values)
ENCODINGS = ("utf-8-sig", "gb18030")

# Header spellings seen in official and hand-made tables, normalised (lower case, no spaces).
_HEADER_ALIASES = {
    "code": {"code", "区划代码", "统计用区划代码", "代码"},
    "name": {"name", "名称", "区划名称"},
    "level": {"level", "层级", "级别"},
    "parent_code": {"parent_code", "parent", "上级代码", "上级区划代码"},
    "urban_rural": {"urban_rural", "城乡分类代码", "城乡分类", "urban_rural_class"},
}
_LEVEL_VALUES = {
    Level.TOWNSHIP: {"township", "4", "乡镇", "乡级", "乡镇级", "乡镇（街道）", "乡镇(街道)"},
    Level.VILLAGE: {"village", "5", "村", "村级", "村（社区）", "村(社区)"},
    Level.PROVINCE: {"province", "1", "省", "省级"},
    Level.CITY: {"city", "2", "市", "市级", "地级"},
    Level.COUNTY: {"county", "3", "县", "县级"},
}


@dataclass(frozen=True)
class RowProblem:
    """A rejected row or a warning: where it is, which code, and why, in plain words."""

    line: int
    code: str
    reason: str


@dataclass(frozen=True)
class TableRow:
    line: int
    code: str
    name: str
    level: Level
    parent_code: str
    urban_rural: str


@dataclass
class CheckedTable:
    encoding: str
    rows: int = 0
    accepted: list[TableRow] = field(default_factory=list)
    rejected: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)


def decode_table(data: bytes) -> tuple[str, str]:
    """The text of the file and the encoding that read it."""
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise RegionTableInvalid(_("文件编码无法识别：请保存为 UTF-8 或 GBK 编码的 CSV 文件"))


def _level_label(level: Level) -> str:
    return str(Region.Level(level).label)


def _normalise(header: str) -> str:
    return "".join(header.split()).lower()


def _column_map(fieldnames: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for raw in fieldnames:
        key = _normalise(raw or "")
        for column, aliases in _HEADER_ALIASES.items():
            if key in aliases and column not in found:
                found[column] = raw
    missing = [c for c in ("code", "name") if c not in found]
    if "level" not in found and "parent_code" not in found:
        missing.append("level / parent_code")
    if missing:
        raise RegionTableInvalid(
            _("区划表缺少必需的列：%(columns)s（需要 code、name，以及 level 或 parent_code）")
            % {"columns": join_list(missing)}
        )
    return found


_LEVEL_BY_SPELLING = {
    spelling: level for level, spellings in _LEVEL_VALUES.items() for spelling in spellings
}


def _level_from_text(value: str) -> Level | None:
    level = _LEVEL_BY_SPELLING.get(value)  # the common case: already clean
    return level if level is not None else _LEVEL_BY_SPELLING.get(_normalise(value))


class _Rejected(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _parent(code: str, level: Level) -> str:
    """`codes.parent_code` for the two levels imported, without re-parsing (hot loop)."""
    return code[:6] + "000000" if level == Level.TOWNSHIP else code[:9] + "000"


def _check_code(code: str) -> Level:
    if not CODE_RE.match(code):
        raise _Rejected(_("区划代码必须是12位数字"))
    level = level_of(code)
    if level not in (Level.TOWNSHIP, Level.VILLAGE):
        raise _Rejected(
            _("只能导入乡镇（街道）和村（社区）两级；该代码是%(level)s区划")
            % {"level": _level_label(level)}
        )
    if township_kind(code) is None:
        raise _Rejected(_("乡镇代码（第7–9位）必须在001–599之间"))
    if level == Level.VILLAGE and village_kind(code) is None:
        raise _Rejected(_("村级代码（第10–12位）必须在001–399之间"))
    return level


def _check_columns(code: str, level: Level, parent: str, values: dict[str, str]) -> None:
    name = values["name"]
    if not name:
        raise _Rejected(_("名称不能为空"))
    if len(name) > NAME_MAX:
        raise _Rejected(_("名称不能超过%(max)d个字") % {"max": NAME_MAX})
    if values.get("level"):
        given = _level_from_text(values["level"])
        if given is None:
            raise _Rejected(_("层级“%(value)s”无法识别") % {"value": values["level"]})
        if given != level:
            raise _Rejected(
                _("层级“%(value)s”与区划代码不符：代码表示%(level)s")
                % {"value": values["level"], "level": _level_label(level)}
            )
    if values.get("parent_code") and values["parent_code"] != parent:
        raise _Rejected(
            _("上级代码 %(given)s 与区划代码不符，应为 %(expected)s")
            % {"given": values["parent_code"], "expected": parent}
        )
    urban_rural = values.get("urban_rural", "")
    if urban_rural and urban_rural not in URBAN_RURAL_CLASSES:
        raise _Rejected(
            _("城乡分类代码“%(value)s”无效，应为 111、112、121、122、123、210 或 220")
            % {"value": urban_rural}
        )
    if level == Level.VILLAGE and not urban_rural:
        raise _Rejected(_("村（社区）必须填写城乡分类代码"))


def _class_warning(code: str, urban_rural: str) -> str | None:
    """Residents' committees (001–199) are urban, villagers' committees (200–399) rural."""
    kind = village_kind(code)
    if kind == VillageKind.RESIDENTS and urban_rural.startswith("2"):
        return _("城乡分类 %(value)s（乡村）与居委会代码 001–199（城镇）不一致，已按文件导入") % {
            "value": urban_rural
        }
    if kind == VillageKind.VILLAGERS and urban_rural.startswith("1"):
        return _("城乡分类 %(value)s（城镇）与村委会代码 200–399（乡村）不一致，已按文件导入") % {
            "value": urban_rural
        }
    return None


def check_table(data: bytes, *, parent_exists: Callable[[set[str]], set[str]]) -> CheckedTable:
    """Read and check every row. `parent_exists` gets the parent codes the file needs from
    outside itself and returns those that exist (and are current) in the database."""
    if not data.strip():
        raise RegionTableInvalid(_("区划表是空文件"))
    text, encoding = decode_table(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, [])
        if not any(cell.strip() for cell in header):
            raise RegionTableInvalid(_("区划表没有表头行"))
        columns = _column_map(header)
        positions = [(col, header.index(src)) for col, src in columns.items()]
        raw_rows: list[tuple[int, dict[str, str]]] = []
        for record in reader:
            width = len(record)
            values = {col: record[i].strip() if i < width else "" for col, i in positions}
            if any(values.values()):
                raw_rows.append((reader.line_num, values))
    except csv.Error as exc:
        raise RegionTableInvalid(
            _("区划表第%(line)d行格式错误：%(error)s") % {"line": reader.line_num, "error": exc}
        ) from exc
    if not raw_rows:
        raise RegionTableInvalid(_("区划表只有表头，没有数据行"))

    # First pass: everything a row can be judged on by itself.
    judged: list[tuple[int, dict[str, str], Level | None, str]] = []
    for line, values in raw_rows:
        try:
            level = _check_code(values["code"])
        except _Rejected as rejected:
            judged.append((line, values, None, rejected.reason))
            continue
        judged.append((line, values, level, _parent(values["code"], level)))
    in_db = parent_exists({parent for _l, _v, level, parent in judged if level is not None})

    # Second pass, in file order: duplicates and parents defined earlier in the file.
    table = CheckedTable(encoding=encoding, rows=len(raw_rows))
    first_line: dict[str, int] = {}
    accepted_codes: set[str] = set()
    for line, values, row_level, parent in judged:
        code = values["code"]
        try:
            if row_level is None:
                raise _Rejected(parent)
            level = row_level
            if code in first_line:
                raise _Rejected(
                    _("区划代码在文件中重复，首次出现在第%(line)d行") % {"line": first_line[code]}
                )
            first_line[code] = line
            _check_columns(code, level, parent, values)
            if parent not in in_db and parent not in accepted_codes:
                raise _Rejected(
                    _("上级区划 %(parent)s 不存在（数据库和文件前面的行中都没有）")
                    % {"parent": parent}
                )
        except _Rejected as rejected:
            table.rejected.append(RowProblem(line, code, rejected.reason))
            continue
        urban_rural = values.get("urban_rural", "")
        warning = _class_warning(code, urban_rural) if level == Level.VILLAGE else None
        if warning:
            table.warnings.append(RowProblem(line, code, warning))
        accepted_codes.add(code)
        table.accepted.append(TableRow(line, code, values["name"], level, parent, urban_rural))
    return table
