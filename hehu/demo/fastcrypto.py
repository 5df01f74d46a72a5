"""Encrypting and blind-indexing a million ID numbers in seconds, compatibly with the registry.

`hehu.core.crypto.encrypt` builds a Fernet token per value (≈20 µs each: a new AES context
per call). For a benchmark population that is most of the generator's time, so this module
produces the *same kind of token* in batches: Fernet version byte, timestamp, random IV,
AES-128-CBC of the PKCS7-padded value under the encryption half of the first configured
key, HMAC-SHA256 under the signing half, base64url (the Fernet specification). CBC is
computed block by block with one AES block encryptor for the whole batch — C_j = E(P_j ⊕
C_{j-1}) with C_0 = IV, exactly what a CBC mode object computes — so every token decrypts
with `hehu.core.crypto.decrypt` and the `cryptography` Fernet class (tests prove it).

The blind index is the registry's HMAC-SHA256 computed with the one-shot `hmac.digest`.
"""

from __future__ import annotations

import base64
import hmac
import os
import struct
import time
from collections.abc import Sequence

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings

from hehu.registry.duplicates import ID_PURPOSE

_VERSION = b"\x80"
_BLOCK = 16


def _pad(data: bytes) -> bytes:
    n = _BLOCK - len(data) % _BLOCK
    return data + bytes([n]) * n


def _xor(a: bytes, b: bytes) -> bytes:
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(_BLOCK, "big")


class BatchFernet:
    """Fernet tokens for many values at once, under the first configured key."""

    def __init__(self, key: str | None = None) -> None:
        raw = base64.urlsafe_b64decode(key or settings.HEHU_FIELD_ENCRYPTION_KEYS[0])
        if len(raw) != 32:
            raise ValueError("a Fernet key is 32 bytes, base64url-encoded")
        self._signing_key, encryption_key = raw[:16], raw[16:]
        # ECB here encrypts single blocks; chaining is done below, so the result is CBC.
        self._cipher = Cipher(algorithms.AES(encryption_key), modes.ECB())  # noqa: S305

    def encrypt_many(self, values: Sequence[str]) -> list[str]:
        padded = [_pad(v.encode()) for v in values]
        ivs = os.urandom(_BLOCK * len(values))
        previous = [ivs[i * _BLOCK : (i + 1) * _BLOCK] for i in range(len(values))]
        blocks: list[list[bytes]] = [[] for _ in values]
        encryptor = self._cipher.encryptor()
        rounds = max((len(p) // _BLOCK for p in padded), default=0)
        for j in range(rounds):
            active = [i for i, p in enumerate(padded) if len(p) > j * _BLOCK]
            plain = b"".join(
                _xor(padded[i][j * _BLOCK : (j + 1) * _BLOCK], previous[i]) for i in active
            )
            out = encryptor.update(plain)
            for k, i in enumerate(active):
                block = out[k * _BLOCK : (k + 1) * _BLOCK]
                blocks[i].append(block)
                previous[i] = block
        encryptor.finalize()
        stamp = struct.pack(">Q", int(time.time()))
        tokens = []
        for i in range(len(values)):
            body = _VERSION + stamp + ivs[i * _BLOCK : (i + 1) * _BLOCK] + b"".join(blocks[i])
            mac = hmac.digest(self._signing_key, body, "sha256")
            tokens.append(base64.urlsafe_b64encode(body + mac).decode())
        return tokens


class BlindIndex:
    """`hehu.registry.duplicates.id_number_index`, with the key read once."""

    def __init__(self) -> None:
        self._key = settings.HEHU_BLIND_INDEX_KEY.encode()
        self._prefix = f"{ID_PURPOSE}:".encode()

    def __call__(self, number: str) -> str:
        return hmac.digest(self._key, self._prefix + number.encode(), "sha256").hex()
