"""Print a fresh set of demo secrets for `make run` (written once to var/dev.env)."""

from __future__ import annotations

import secrets

from cryptography.fernet import Fernet


def main() -> None:
    print(f"HEHU_SECRET_KEY={secrets.token_urlsafe(48)}")
    print(f"HEHU_FIELD_ENCRYPTION_KEYS={Fernet.generate_key().decode()}")
    print(f"HEHU_BLIND_INDEX_KEY={secrets.token_urlsafe(32)}")


if __name__ == "__main__":
    main()
