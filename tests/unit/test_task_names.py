"""Task names are declared once (fic.jobs) and the worker's module list is derived."""

from __future__ import annotations

import ast
from pathlib import Path

from fic import jobs
from fic.celery import TASK_MODULES

ROOT = Path(__file__).resolve().parents[2]


def _declared_task_names() -> list[str]:
    names = []
    for path in sorted((ROOT / "tasks").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.keyword) and node.arg == "name":
                assert isinstance(node.value, ast.Attribute), f"{path.name}: a literal task name"
                names.append(getattr(jobs, node.value.attr))
    return names


def test_every_task_module_is_in_the_workers_list_retry_included():
    on_disk = {f"tasks.{p.stem}" for p in (ROOT / "tasks").glob("*.py")
               if p.stem not in ("__init__", "worker")}
    assert set(TASK_MODULES) == on_disk and "tasks.retry" in TASK_MODULES


def test_every_task_registers_under_a_name_declared_in_fic_jobs_and_every_name_has_a_task():
    declared = {value for name, value in vars(jobs).items()
                if name.isupper() and isinstance(value, str) and value.startswith("fic.")}
    registered = _declared_task_names()
    assert len(registered) == len(set(registered)) and set(registered) == declared
    assert set(jobs.RETRY.values()) <= declared
