#!/usr/bin/env python
"""Django's command-line utility: migrate, shell, runserver, createsuperuser..."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry_api.settings")
    from django.core.management import execute_from_command_line

    from registry_api.startup import MissingDatabase, require_existing_database

    if len(sys.argv) > 1:
        try:
            require_existing_database(sys.argv[1])
        except MissingDatabase as exc:
            sys.exit(f"manage.py {exc}")  # one line on stderr, exit status 1
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
