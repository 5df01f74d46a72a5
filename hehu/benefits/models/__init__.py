from hehu.benefits.models.account import PayeeAccount, mask_account
from hehu.benefits.models.anomaly import Anomaly
from hehu.benefits.models.cycle import PaymentCycle, PaymentLine, Transfer
from hehu.benefits.models.enrolment import AidGrant, Enrolment, Overpayment, StopReason

__all__ = [
    "AidGrant",
    "Anomaly",
    "Enrolment",
    "Overpayment",
    "PayeeAccount",
    "PaymentCycle",
    "PaymentLine",
    "StopReason",
    "Transfer",
    "mask_account",
]
