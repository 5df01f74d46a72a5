"""Bank files of a payment cycle: the file the bank pays from, and the bank's results.

The county exports the approved roll's pending transfers as the bank's 代发 file (layouts
in policies/benefits/bank-layouts/); account numbers are decrypted only for the file. The
bank's result file (回盘) is then imported whole or not at all; importing it again changes
nothing. Reconciliation is in hehu.benefits.services.reconcile.
"""

from hehu.benefits.services.bank.common import bank_layouts, locked_cycle
from hehu.benefits.services.bank.export import ExportedFile, export_bank_file
from hehu.benefits.services.bank.results import ImportOutcome, import_bank_results

__all__ = [
    "ExportedFile",
    "ImportOutcome",
    "bank_layouts",
    "export_bank_file",
    "import_bank_results",
    "locked_cycle",
]
