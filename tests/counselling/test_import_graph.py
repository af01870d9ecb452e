"""Counselling's modules import each other without a circle: services are a package by subject,
each module importing only the ones below it. The one shape allowed is a tasks module importing
its service inside the task (`centre.celery`), counted here like any other import but from tasks
only, so a service importing its tasks at the top stays possible."""

from __future__ import annotations

import ast
from pathlib import Path

import counselling

APP = Path(counselling.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in APP.rglob("*.py") if "migrations" not in path.parts}


def imported(path: Path) -> set[str]:
    """The counselling modules `path` imports, at the top or inside a function (a run-time
    import closes a circle as surely); a tasks module's run-time imports are the exception."""
    tree = ast.parse(path.read_text())
    skipped = set()
    if path.stem == "tasks":
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                skipped.update(id(inner) for inner in ast.walk(node))
    names = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in names if name in MODULES} - {module_name(path)}


GRAPH = {name: imported(path) for name, path in MODULES.items()}


def circle_from(start: str) -> list[str] | None:
    """A path of imports from `start` back to itself, or None."""
    paths = [[start]]
    seen = set()
    while paths:
        path = paths.pop()
        for target in GRAPH[path[-1]]:
            if target == start:
                return [*path, start]
            if target not in seen:
                seen.add(target)
                paths.append([*path, target])
    return None


def test_no_module_of_counselling_imports_itself_back():
    circles = [circle for name in sorted(GRAPH) if (circle := circle_from(name))]
    assert circles == []


def test_follow_up_planning_imports_nothing_from_cases():
    below = GRAPH["counselling.services.follow_ups"]
    assert "counselling.services.cases" not in below
    assert "counselling.services" not in below  # the package re-exports cases


def test_services_are_one_package_reexporting_every_subject():
    from counselling import services

    for name in ["case_open", "follow_up_add", "follow_up_record_outcome", "break_glass_open"]:
        assert callable(getattr(services, name))
    subjects = {name for name in MODULES if name.startswith("counselling.services.")}
    assert GRAPH["counselling.services"] == subjects
