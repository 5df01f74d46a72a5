"""Shared by the bench scripts: the benchmark database, its keys, and the environment."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/hehu_bench"
KEYS_FILE = ROOT / "var" / "bench.env"


def bench_keys() -> dict[str, str]:
    """Secrets of the benchmark database, generated once: data encrypted by the generator
    must be readable by the app server later."""
    if not KEYS_FILE.exists():
        KEYS_FILE.parent.mkdir(parents=True, exist_ok=True)
        KEYS_FILE.write_text(
            f"HEHU_SECRET_KEY={secrets.token_urlsafe(48)}\n"
            f"HEHU_FIELD_ENCRYPTION_KEYS={Fernet.generate_key().decode()}\n"
            f"HEHU_BLIND_INDEX_KEY={secrets.token_urlsafe(32)}\n"
        )
    pairs = (line.split("=", 1) for line in KEYS_FILE.read_text().splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs}


def bench_env(database_url: str, settings: str = "config.settings.bench") -> dict[str, str]:
    env = dict(os.environ)
    env.update(bench_keys())
    env["DATABASE_URL"] = database_url
    env["DJANGO_SETTINGS_MODULE"] = settings
    env.setdefault("HEHU_LOG_LEVEL", "WARNING")
    return env


def manage(args: list[str], env: dict[str, str], **kwargs: object) -> None:
    subprocess.run([PYTHON, str(ROOT / "manage.py"), *args], env=env, check=True, **kwargs)


def loadavg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def machine() -> str:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} CPUs ({model})"
