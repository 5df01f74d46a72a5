"""Bank files for payment cycles, as pure Python: layouts as data, the file written for the
bank (CSV or XLSX) and the bank's result file (回盘) read line by line.

No Django and no database here (an import-linter contract keeps it so): the service
(hehu.benefits.services.bank) fetches the transfers, decrypts the account numbers, and
applies the parsed results.
"""

from hehu.benefits.bankfiles.load import load_layouts, read_layout_text
from hehu.benefits.bankfiles.model import (
    FILE_FORMATS,
    BankLayout,
    Batch,
    LineProblem,
    Payment,
    ResultRow,
    ResultsFile,
    ResultsUnreadable,
    UnencodableText,
)
from hehu.benefits.bankfiles.read import read_results
from hehu.benefits.bankfiles.write import CONTENT_TYPES, total_of, write_bank_file

__all__ = [
    "CONTENT_TYPES",
    "FILE_FORMATS",
    "BankLayout",
    "Batch",
    "LineProblem",
    "Payment",
    "ResultRow",
    "ResultsFile",
    "ResultsUnreadable",
    "UnencodableText",
    "load_layouts",
    "read_layout_text",
    "read_results",
    "total_of",
    "write_bank_file",
]
