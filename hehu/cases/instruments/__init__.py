"""Assessment instruments as data (policies/instruments/*.yaml): loading and scoring.

Pure Python, no Django: the services pick the instrument in force and store the result.

    shelf = InstrumentShelf.from_directory(Path("policies/instruments"))
    instrument = shelf.in_force("guardianship", on=date(2026, 3, 1))
    result = score(instrument, answers)   # result.grade, result.as_dict()
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from hehu.cases.instruments.load import (
    InstrumentErrors,
    load_instruments,
    read_instrument_file,
    read_instrument_text,
)
from hehu.cases.instruments.model import (
    GRADE_LABELS,
    GRADES,
    GUARDIANSHIP,
    KINDS,
    NEED_LEVEL_LABELS,
    NEED_LEVELS,
    NEEDS,
    SUPPORT_LABELS,
    SUPPORTS,
    CutOff,
    Instrument,
    Item,
    Option,
    Part,
    RedFlag,
)
from hehu.cases.instruments.scoring import (
    AnswerProblem,
    IncompleteAnswers,
    Scored,
    answer_problems,
    missing_items,
    score,
)

DEFAULT_DIR = Path(__file__).resolve().parents[3] / "policies" / "instruments"


@dataclass(frozen=True)
class InstrumentShelf:
    """Every instrument of a directory, by id and version and by kind."""

    instruments: tuple[Instrument, ...]

    @classmethod
    def from_directory(cls, directory: Path) -> InstrumentShelf:
        return cls(tuple(load_instruments(directory)))

    def get(self, instrument_id: str, version: str) -> Instrument | None:
        return next(
            (i for i in self.instruments if i.id == instrument_id and i.version == version), None
        )

    def in_force(self, kind: str, on: dt.date) -> Instrument | None:
        """The instrument of `kind` in force on `on`: the one that took effect last."""
        candidates = [i for i in self.instruments if i.kind == kind and i.in_force(on)]
        return max(candidates, key=lambda i: (i.effective_from, i.version), default=None)


__all__ = [
    "DEFAULT_DIR",
    "GRADES",
    "GRADE_LABELS",
    "GUARDIANSHIP",
    "KINDS",
    "NEEDS",
    "NEED_LEVELS",
    "NEED_LEVEL_LABELS",
    "SUPPORTS",
    "SUPPORT_LABELS",
    "AnswerProblem",
    "CutOff",
    "IncompleteAnswers",
    "Instrument",
    "InstrumentErrors",
    "InstrumentShelf",
    "Item",
    "Option",
    "Part",
    "RedFlag",
    "Scored",
    "answer_problems",
    "load_instruments",
    "missing_items",
    "read_instrument_file",
    "read_instrument_text",
    "score",
]
