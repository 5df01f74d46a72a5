"""Refusals of account management, each with a stable code and a message in Chinese."""

from __future__ import annotations

from hehu.core.errors import ApplicationError, PermissionRefused


class AccountOutsideJurisdiction(PermissionRefused):
    code = "account_outside_jurisdiction"


class NotAnAdministrator(PermissionRefused):
    code = "not_an_administrator"


class DemoRegionsMissing(ApplicationError):
    code = "demo_regions_missing"
