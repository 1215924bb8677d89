"""The `onestop` command: Django's management commands for this node.

Command names may be written with hyphens (`onestop hotline-train`) or underscores
(`onestop hotline_train`): Django's names use underscores, the docs and issues often hyphens.
"""

import os
import sys


def command_argv(argv: list[str]) -> list[str]:
    """`argv` with a hyphenated command name (the first argument) spelled with underscores."""
    if len(argv) > 1 and not argv[1].startswith("-") and "-" in argv[1]:
        return [argv[0], argv[1].replace("-", "_"), *argv[2:]]
    return list(argv)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestop.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(command_argv(sys.argv))


if __name__ == "__main__":
    main()
