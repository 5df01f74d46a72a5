from __future__ import annotations

import datetime as dt

import pytest
from cryptography.fernet import Fernet, InvalidToken

from hehu.core.crypto import decrypt
from hehu.demo.fastcrypto import BatchFernet, BlindIndex
from hehu.demo.rows import id_number_for
from hehu.registry.duplicates import id_number_index
from hehu.registry.idnumber import check_character, parse_id_number

VALUES = ["", "x", "51150220150302001X", "a" * 15, "b" * 16, "c" * 17, "中文名字", "z" * 40]


def test_batch_tokens_decrypt_with_the_registry_and_with_fernet(settings):
    tokens = BatchFernet().encrypt_many(VALUES)
    key = Fernet(settings.HEHU_FIELD_ENCRYPTION_KEYS[0].encode())
    assert [decrypt(t) for t in tokens] == VALUES
    assert [key.decrypt(t.encode()).decode() for t in tokens] == VALUES


def test_each_token_has_its_own_iv():
    first, second = BatchFernet().encrypt_many(["511502201503020012", "511502201503020012"])
    assert first != second


def test_tokens_use_the_first_key_during_a_rotation(settings):
    new = Fernet.generate_key().decode()
    settings.HEHU_FIELD_ENCRYPTION_KEYS = [new, *settings.HEHU_FIELD_ENCRYPTION_KEYS]
    (token,) = BatchFernet().encrypt_many(["511502201503020012"])
    assert Fernet(new.encode()).decrypt(token.encode()) == b"511502201503020012"
    assert decrypt(token) == "511502201503020012"


def test_a_tampered_token_is_refused():
    (token,) = BatchFernet().encrypt_many(["511502201503020012"])
    tampered = token[:20] + ("A" if token[20] != "A" else "B") + token[21:]
    with pytest.raises(InvalidToken):
        decrypt(tampered)


def test_the_blind_index_is_the_registrys():
    index = BlindIndex()
    for number in ("51150220150302001X", "110105194912310021", "511502201503020012"):
        assert index(number) == id_number_index(number)


def test_generated_id_numbers_carry_the_registrys_check_character():
    birth = dt.date(2012, 2, 29)
    for sequence in (1, 2, 99, 100, 457, 998):
        number = id_number_for("511524", birth, sequence)
        assert number[17] == check_character(number[:17])
        parsed = parse_id_number(number)
        assert parsed.birth_date == birth
        assert parsed.sex == ("male" if sequence % 2 else "female")
