"""Encryption at rest for identifiers, and keyed blind indexes for equality search.

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`); several
keys may be configured so that old ciphertexts stay readable during a key rotation (the
first key encrypts). The blind index is HMAC-SHA256 under a separate key, so the database
can find "this ID number" without ever holding it in clear.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("HEHU_FIELD_ENCRYPTION_KEYS is not set")
    return MultiFernet([Fernet(k.encode()) for k in keys])


def encrypt(value: str) -> str:
    return _fernet(tuple(settings.HEHU_FIELD_ENCRYPTION_KEYS)).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet(tuple(settings.HEHU_FIELD_ENCRYPTION_KEYS)).decrypt(token.encode()).decode()


def blind_index(value: str, *, purpose: str) -> str:
    """A keyed, deterministic digest of a normalised value; `purpose` separates domains."""
    key = settings.HEHU_BLIND_INDEX_KEY
    if not key:
        raise ImproperlyConfigured("HEHU_BLIND_INDEX_KEY is not set")
    message = f"{purpose}:{value}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def generate_key() -> str:
    return Fernet.generate_key().decode()
