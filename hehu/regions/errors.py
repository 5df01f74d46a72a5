"""Refusals about region codes and region tables, each naming the field."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from hehu.core.errors import ApplicationError


class InvalidRegionCodeError(ApplicationError):
    """The value is not a 12-digit statistical division code."""

    code = "invalid_region_code"

    def __init__(self, value: str, *, field: str) -> None:
        super().__init__(_("区划代码必须是12位数字"), field=field, value=value)


class UnknownRegion(ApplicationError):
    """A well-formed code that names no current region."""

    code = "unknown_region"

    def __init__(self, value: str, *, field: str, abolished: bool = False) -> None:
        if abolished:
            message = _("区划代码 %(code)s 已撤销，请使用现行区划代码") % {"code": value}
        else:
            message = _("区划代码 %(code)s 不存在") % {"code": value}
        super().__init__(message, field=field, value=value)


class RegionTableInvalid(ApplicationError):
    """A region table that cannot be read as a whole; nothing from it was applied."""

    code = "region_table_invalid"

    def __init__(self, message: object, *, field: str = "file") -> None:
        super().__init__(message, field=field)
