"""`fic --help` lists every command from a table, without importing the command modules."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import fic.cli
from fic.cli import COMMANDS


def test_the_command_table_names_each_command_its_module_and_its_help():
    found = {}
    for module in pkgutil.iter_modules(fic.cli.__path__):
        for command in getattr(importlib.import_module(f"fic.cli.{module.name}"), "COMMANDS", ()):
            found[command.name] = (module.name, command.get_short_help_str(limit=1000))
    assert found == COMMANDS


def test_listing_the_commands_loads_neither_the_database_layer_nor_celery():
    probe = (
        "import sys\n"
        "from fic.cli import cli\n"
        "try:\n"
        "    cli.main(['--help'], prog_name='fic')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in ('sqlalchemy', 'celery', 'weasyprint', 'argon2')"
        " if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout
    assert "audit" in out and "deliveries" in out  # every command is listed
    assert out.strip().splitlines()[-1] == "[]"
