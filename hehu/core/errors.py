"""Domain errors. Each carries a stable code and a translatable message naming the field."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A refusal the user can act on: shown in their language, never a 500."""

    code = "invalid"
    status = 400

    def __init__(self, message: Any, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.extra = extra

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "message": str(self.message)}
        if self.field:
            data["field"] = self.field
        data.update({k: v for k, v in self.extra.items() if v is not None})
        return data


class ValidationFailed(ApplicationError):
    """Several field errors at once: {field: [messages]}."""

    code = "validation_failed"

    def __init__(self, errors: dict[str, list[Any]]) -> None:
        first = next(iter(errors.values()))[0] if errors else ""
        super().__init__(first)
        self.errors = errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": str(self.message),
            "errors": {k: [str(m) for m in v] for k, v in self.errors.items()},
        }


class ConcurrentEdit(ApplicationError):
    """Someone else saved the record since this user opened it (optimistic locking)."""

    code = "concurrent_edit"
    status = 409


class Duplicate(ApplicationError):
    code = "duplicate"
    status = 409


class PermissionRefused(ApplicationError):
    code = "permission_denied"
    status = 403
