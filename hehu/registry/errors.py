"""Refusals of the registry, each with a stable code and a message naming the field."""

from __future__ import annotations

from typing import Any

from hehu.core.errors import ApplicationError, Duplicate


class DuplicateIdNumber(Duplicate):
    """The ID number is already registered. `existing_child_id` is set only when the actor
    may open that file; otherwise the message says whom to contact."""

    code = "duplicate_id_number"

    def __init__(self, message: Any, *, existing_child_id: int | None) -> None:
        super().__init__(message, field="id_number", existing_child_id=existing_child_id)
        self.existing_child_id = existing_child_id


class LikelyDuplicates(ApplicationError):
    """Children with the same (normalised) name, birth date and region exist; the user must
    look at them and confirm before a new file is created."""

    code = "likely_duplicates"
    status = 409

    def __init__(self, message: Any, *, candidates: list[dict[str, Any]]) -> None:
        super().__init__(message, candidates=candidates)
        self.candidates = candidates
