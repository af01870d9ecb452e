"""The portal's modules import one way (README "Architecture"), read from the source with `ast`:

- no module imports itself back through others, over every app (`centre`, `counselling`,
  `screening`, `hotline`, `outreach`; migrations aside), whether the import is at the top or inside
  a function (a run-time import closes a circle as surely);
- the one shape allowed is a service module and its tasks module (`centre/celery.py`): the service
  imports its tasks at the top, the task imports the service inside its function. So a tasks
  module's imports *inside a function* of a module of its own app that is not a page, API, form,
  URL or admin module are not counted; any other import of a tasks module is (and a tasks module
  is `<app>.tasks` or `<package>.tasks`);
- imports under `if TYPE_CHECKING:` are for the type checker only and never run: not counted;
- `centre` never imports a domain app's module by name (it reads the apps' declarations);
- apps import only those the README lets them: `screening` may import `counselling`, `hotline`
  and `outreach` may import `screening` and `counselling`, and every domain app imports `centre`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import centre

ROOT = Path(centre.__file__).parent.parent
APPS = ("centre", "counselling", "screening", "hotline", "outreach")
# README "Architecture": which apps each app may import (besides itself).
MAY_IMPORT = {
    "centre": set(),
    "counselling": {"centre"},
    "screening": {"centre", "counselling"},
    "hotline": {"centre", "counselling", "screening"},
    "outreach": {"centre", "counselling", "screening"},
}


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {
    module_name(path): path
    for app in APPS
    for path in (ROOT / app).rglob("*.py")
    if "migrations" not in path.parts
}


# What a task never calls: it works on ids through services, never through a page.
PRESENTATION = {"views", "apis", "api", "api_urls", "forms", "urls", "admin"}


def is_tasks(name: str) -> bool:
    return name.rsplit(".", 1)[-1] == "tasks"


def a_task_may_call(tasks: str, target: str) -> bool:
    """Whether `tasks` may import `target` inside a task: a service of its own app."""
    return (
        is_tasks(tasks)
        and target.split(".")[0] == tasks.split(".")[0]
        and not set(target.split(".")[1:]) & PRESENTATION
    )


def type_checking_only(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def imports_of(path: Path, root: Path = ROOT) -> list[tuple[str, bool]]:
    """Every module name `path` imports (and, for `from a import b`, `a.b` too), with whether
    the import sits inside a function."""
    tree = ast.parse(path.read_text())
    package = module_name(path, root).split(".")
    if path.stem != "__init__":
        package = package[:-1]
    in_function = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for inner in ast.walk(node)
        if inner is not node
    }
    never_run = {
        id(inner)
        for node in ast.walk(tree)
        if type_checking_only(node)
        for statement in node.body
        for inner in ast.walk(statement)
    }
    found = []
    for node in ast.walk(tree):
        if id(node) in never_run:
            continue
        inside = id(node) in in_function
        if isinstance(node, ast.Import):
            found += [(alias.name, inside) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # a relative import, resolved against the package
                base = ".".join([*package[: len(package) - node.level + 1], *filter(None, [base])])
            found.append((base, inside))
            found += [(f"{base}.{alias.name}", inside) for alias in node.names]
    return found


def edges(name: str, path: Path) -> set[str]:
    """The portal modules `name` imports, less the documented shape: a tasks module importing
    a service of its own app inside a task."""
    targets = set()
    for target, inside in imports_of(path):
        if target not in MODULES or target == name:
            continue
        if inside and a_task_may_call(name, target):
            continue
        targets.add(target)
    return targets


GRAPH = {name: edges(name, path) for name, path in MODULES.items()}


def circle_from(start: str, graph: dict[str, set[str]] = GRAPH) -> list[str] | None:
    """A path of imports from `start` back to itself, or None."""
    paths = [[start]]
    seen = set()
    while paths:
        path = paths.pop()
        for target in sorted(graph[path[-1]]):
            if target == start:
                return [*path, start]
            if target not in seen:
                seen.add(target)
                paths.append([*path, target])
    return None


def test_every_app_is_read():
    assert {name.split(".")[0] for name in MODULES} == set(APPS)
    assert "counselling.services.cases" in MODULES
    assert "screening.importing.storing" in MODULES
    assert not any(".migrations" in name for name in MODULES)


def test_no_module_imports_itself_back():
    circles = [circle for name in sorted(GRAPH) if (circle := circle_from(name))]
    assert circles == []


def test_the_one_allowed_shape_is_a_service_and_its_tasks():
    """The edges left out are exactly a task importing a service of its app inside the task;
    counted, some close a circle with a service importing its tasks at the top: the shape."""
    skipped = {
        (name, target)
        for name, path in MODULES.items()
        for target, _inside in imports_of(path)
        if target in MODULES and target != name and target not in GRAPH[name]
    }
    assert skipped, "no task imports its service: the test no longer tests the shape"
    for name, target in skipped:
        assert a_task_may_call(name, target), (name, target)
    # Counted as edges, some of them close a circle: the shape really is a circle, allowed.
    counted = {name: set(targets) for name, targets in GRAPH.items()}
    for name, target in skipped:
        counted[name].add(target)
    assert any(circle_from(name, counted) for name, _target in skipped)


def test_a_task_importing_its_service_at_the_top_is_a_circle(tmp_path):
    """The checker itself: the same import moved to the top of a tasks module is counted."""
    tasks = tmp_path / "counselling" / "tasks.py"
    tasks.parent.mkdir()
    tasks.write_text(
        "from counselling.services import follow_ups\n"
        "def run():\n    from counselling.services import cases\n"
    )
    found = dict(imports_of(tasks, tmp_path))
    assert found["counselling.services.follow_ups"] is False
    assert found["counselling.services.cases"] is True
    assert a_task_may_call("counselling.tasks", "counselling.services.cases")
    assert not a_task_may_call("counselling.tasks", "counselling.views")
    assert not a_task_may_call("counselling.tasks", "screening.services")
    assert not a_task_may_call("counselling.services.cases", "counselling.services.sessions")


def test_imports_for_the_type_checker_only_are_not_counted(tmp_path):
    module = tmp_path / "centre" / "roles.py"
    module.parent.mkdir()
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from centre.models import User\n"
        "else:\n    from centre.text import word_characters\n"
    )
    names = {name for name, _inside in imports_of(module, tmp_path)}
    assert "centre.models.User" not in names
    assert "centre.text.word_characters" in names


def test_centre_never_imports_a_domain_app():
    by_name = {
        (name, target)
        for name, path in MODULES.items()
        if name.split(".")[0] == "centre"
        for target, _inside in imports_of(path)
        if target.split(".")[0] in set(APPS) - {"centre"}
    }
    assert by_name == set()


@pytest.mark.parametrize("app", APPS)
def test_apps_import_one_way(app):
    crossing = {
        (name, target)
        for name, path in MODULES.items()
        if name.split(".")[0] == app
        for target, _inside in imports_of(path)
        if target.split(".")[0] in APPS and target.split(".")[0] not in {app, *MAY_IMPORT[app]}
    }
    assert crossing == set()


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


def test_roster_readers_share_what_refuses_from_below():
    """`roster_files` reads the file and hands a workbook to `roster_xlsx`; both take the error
    and the limits from `roster_limits`, which imports neither."""
    assert "screening.roster_xlsx" in GRAPH["screening.roster_files"]
    assert "screening.roster_files" not in GRAPH["screening.roster_xlsx"]
    assert {"screening.roster_files", "screening.roster_xlsx"}.isdisjoint(
        GRAPH["screening.roster_limits"]
    )
