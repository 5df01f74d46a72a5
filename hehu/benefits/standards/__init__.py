"""Benefit programmes and their standards as policy data (policies/benefits/), pure Python.

    standards = load_standards(Path("policies/benefits"))
    standards.standard_amount("orphan_scattered", "511502", dt.date(2026, 3, 1))  # Decimal

No Django here (an import-linter contract keeps it so): the directory and the cache live
in `hehu.benefits.catalogue`.
"""

from hehu.benefits.standards.load import NoStandard, Standards, load_standards
from hehu.benefits.standards.model import Programme, Stacking, Standard, StandardValue
from hehu.benefits.standards.read import BenefitFile, read_benefit_text

__all__ = [
    "BenefitFile",
    "NoStandard",
    "Programme",
    "Stacking",
    "Standard",
    "StandardValue",
    "Standards",
    "load_standards",
    "read_benefit_text",
]
