"""The `hehu` command: Hehu's management commands without typing `manage.py`.

`hehu demo_load`, `hehu import_regions FILE`, `hehu generate_population …` — any Django
management command of the project. Settings default to the embedded (dev) configuration.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["hehu", *sys.argv[1:]])


if __name__ == "__main__":
    main()
