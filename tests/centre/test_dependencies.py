"""Every pinned dependency is used: imported by the code or the tests, named in the settings, or
run by the Makefile, the Procfile or the CI script. A package left behind by removed code (a
filter backend no view used, a test factory library no test imported) fails here."""

from __future__ import annotations

import ast
import importlib.metadata
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = ("requirements.txt", "requirements-dev.txt")
SKIPPED_FOLDERS = {".venv", "locale", "var", "node_modules", "test-artifacts", ".git"}


def pinned() -> list[str]:
    names = []
    for file in REQUIREMENTS:
        for line in (ROOT / file).read_text().splitlines():
            line = line.strip()
            if line and not line.startswith(("#", "-r")):
                names.append(re.split(r"[\[=<>~ ]", line, maxsplit=1)[0])
    return names


def modules_of(distribution: str) -> set[str]:
    wanted = distribution.lower().replace("_", "-")
    return {
        module
        for module, owners in importlib.metadata.packages_distributions().items()
        if any(owner.lower().replace("_", "-") == wanted for owner in owners)
        and not module.startswith("_")
    } | typed_modules(distribution)


def typed_modules(distribution: str) -> set[str]:
    """The modules a stub distribution types ("openpyxl-stubs" types openpyxl): it is used where
    they are, by mypy in `make lint`."""
    files = importlib.metadata.distribution(distribution).files or []
    return {
        file.parts[0].removesuffix("-stubs")
        for file in files
        if file.parts and file.parts[0].endswith("-stubs")
    }


def python_names(source: str) -> set[str]:
    """The modules a Python file imports, and the first part of each dotted string it holds
    (settings name apps, middleware and backends by dotted path). Comments do not count."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names.add(node.value.split(".")[0].split(":")[0])
    return names


def used_names() -> set[str]:
    """What the project's code names, and the words of its tool files (commands run)."""
    names: set[str] = set()
    for path in ROOT.rglob("*"):
        if SKIPPED_FOLDERS & set(path.relative_to(ROOT).parts) or not path.is_file():
            continue
        if path == Path(__file__):
            continue
        if path.suffix == ".py":
            names |= python_names(path.read_text(encoding="utf-8"))
        elif path.suffix in {".toml", ".cfg"} or path.name in {"Makefile", "Procfile", "run"}:
            names |= set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", path.read_text(encoding="utf-8")))
    return names


def test_every_pinned_dependency_is_used():
    names = used_names()
    assert [name for name in pinned() if not modules_of(name) & names] == []
