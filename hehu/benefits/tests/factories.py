"""Factories for benefit records (enrolments, accounts, cycles, transfers, lines)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import factory

from hehu.benefits.models import Enrolment, PayeeAccount, PaymentCycle, PaymentLine, Transfer
from hehu.core.crypto import blind_index, encrypt
from hehu.registry.tests.factories import ChildFactory

COUNTY = "511502"


class EnrolmentFactory(factory.django.DjangoModelFactory):
    """A running enrolment, confirmed on 2025-05-10 (paid from June 2025)."""

    class Meta:
        model = Enrolment

    child = factory.SubFactory(ChildFactory)
    category = "de_facto_unattended"
    county_code = COUNTY
    source = Enrolment.Source.COUNTY
    confirmed_on = dt.date(2025, 5, 10)
    starts_month = factory.LazyAttribute(
        lambda o: dt.date(
            o.confirmed_on.year + (o.confirmed_on.month == 12), o.confirmed_on.month % 12 + 1, 1
        )
    )


def account_fields(number: str) -> dict[str, str]:
    """The stored form of an account number: encrypted, blind index, last four."""
    digits = "".join(number.split())
    return {
        "account_encrypted": encrypt(digits),
        "account_index": blind_index(digits, purpose="payee_account"),
        "account_last4": digits[-4:],
    }


class PayeeAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PayeeAccount

    child = factory.SubFactory(ChildFactory)
    holder_kind = PayeeAccount.Holder.GUARDIAN
    holder_name = "张监护"
    bank_name = "农村信用社"
    account_encrypted = ""
    account_index = ""
    account_last4 = ""

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> PayeeAccount:
        number = kwargs.pop("number", None) or f"62170000{kwargs['child'].pk:011d}"
        kwargs.update(account_fields(number))
        return super()._create(model_class, *args, **kwargs)


class PaymentCycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentCycle

    county_code = COUNTY
    month = dt.date(2026, 3, 1)
    generated_at = factory.LazyFunction(lambda: dt.datetime(2026, 3, 1, 8, tzinfo=dt.UTC))


def make_transfer(
    cycle: PaymentCycle,
    *,
    amount: Decimal = Decimal("1651.00"),
    status: str = Transfer.Status.PENDING,
    programme: str = "de_facto_unattended",
    **child_fields: Any,
) -> Transfer:
    """A child with an account, a transfer in `cycle` and one monthly line behind it."""
    child = ChildFactory(**child_fields)
    account = PayeeAccountFactory(child=child)
    sequence = cycle.transfers.count() + 1
    transfer = Transfer.objects.create(
        cycle=cycle,
        child=child,
        reference=f"{cycle.county_code}{cycle.month:%Y%m}{sequence:06d}",
        amount=amount,
        account=account,
        holder_name=account.holder_name,
        bank_name=account.bank_name,
        account_encrypted=account.account_encrypted,
        account_last4=account.account_last4,
        status=status,
    )
    PaymentLine.objects.create(
        cycle=cycle,
        transfer=transfer,
        child=child,
        programme=programme,
        service_month=cycle.month,
        kind=PaymentLine.Kind.MONTHLY,
        amount=amount,
        standard_amount=amount,
        status=status,
    )
    return transfer


def classified_child(categories: list[str], **child_fields: Any) -> Any:
    """A child whose current classification holds `categories` (as a population run leaves)."""
    from django.utils import timezone

    from hehu.policy.models import ChildClassification
    from hehu.policy.services.policies import policies_in_force

    _set, by_ref = policies_in_force()
    child = ChildFactory(**child_fields)
    ChildClassification.objects.create(
        child=child,
        policy_version=by_ref["cn-national@2026.1"],
        as_of=dt.date(2026, 3, 1),
        computed_at=timezone.now(),
        categories=list(categories),
        source=ChildClassification.Source.POPULATION,
    )
    return child
