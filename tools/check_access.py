"""Views, APIs and tasks never query a model's manager: every record they open comes from a
selector (`get_<record>_for_user`, `<record>_visible_to`), where who may see what is decided.

Fails (exit 1, one line per finding) on `Model.objects`, `_default_manager`, `_base_manager` and
`get_object_or_404`/`get_list_or_404` in `*/views.py`, `*/apis.py`, `*/tasks.py` and in packages
of those names, unless the line carries the marker `# access: <why>` naming the reason.

    python tools/check_access.py [root]
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

CHECKED_MODULES = ("views", "apis", "tasks")
MANAGERS = frozenset({"objects", "_default_manager", "_base_manager"})
SHORTCUTS = frozenset({"get_object_or_404", "get_list_or_404"})
MARKER = re.compile(r"#\s*access:\s*\S")
SKIPPED = frozenset({".venv", "venv", "node_modules", "migrations", "tests", ".git"})


def checked_files(root: Path) -> Iterator[Path]:
    """The views, APIs and tasks modules (and packages) of every app under `root`."""
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        if SKIPPED.intersection(parts):
            continue
        if path.stem in CHECKED_MODULES or any(part in CHECKED_MODULES for part in parts[:-1]):
            yield path


def findings(source: str) -> Iterator[tuple[int, str]]:
    """(line, what) for every direct query in `source` whose line has no marker."""
    lines = source.splitlines()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in MANAGERS:
            what = f".{node.attr}"
        elif isinstance(node, ast.Call) and _called_name(node.func) in SHORTCUTS:
            what = f"{_called_name(node.func)}()"
        else:
            continue
        line = lines[node.lineno - 1]
        if not MARKER.search(line):
            yield node.lineno, what


def _called_name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def check(root: Path) -> list[str]:
    problems = []
    for path in checked_files(root):
        for line, what in findings(path.read_text(encoding="utf-8")):
            problems.append(
                f"{path.relative_to(root)}:{line}: {what} queries a model directly; use a "
                "selector, or mark the line `# access: <why>`"
            )
    return problems


def main(argv: list[str]) -> int:
    root = Path(argv[1] if len(argv) > 1 else Path(__file__).resolve().parent.parent)
    problems = check(root)
    for problem in problems:
        sys.stdout.write(f"{problem}\n")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
