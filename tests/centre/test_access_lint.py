"""`tools/check_access.py` (in `make lint`): views, APIs and tasks never query a model's manager
directly, unless the line says why (`# access: <why>`)."""

from __future__ import annotations

from pathlib import Path

from tools.check_access import check, findings

ROOT = Path(__file__).resolve().parents[2]


def write(root: Path, relative: str, source: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")


def test_a_raw_query_in_a_view_is_caught_with_its_line():
    source = "def get(request, pk):\n    return Case.objects.filter(pk=pk).first()\n"
    assert list(findings(source)) == [(2, ".objects")]


def test_the_shortcuts_and_other_managers_are_caught_too():
    source = (
        "a = get_object_or_404(Case, pk=1)\n"
        "b = shortcuts.get_list_or_404(Case)\n"
        "c = Case._default_manager.all()\n"
        "d = (\n    Case\n    .objects.all()\n)\n"
    )
    assert [line for line, _what in findings(source)] == [1, 2, 3, 5]


def test_a_marked_line_is_accepted_but_an_empty_marker_is_not():
    marked = "schools = School.objects.all()  # access: any school may be named\n"
    assert list(findings(marked)) == []
    assert list(findings("schools = School.objects.all()  # access:\n")) == [(1, ".objects")]


def test_views_apis_and_tasks_modules_and_packages_are_checked_and_nothing_else(tmp_path):
    query = "x = Case.objects.all()\n"
    for relative in [
        "hotline/views.py",
        "hotline/apis.py",
        "hotline/tasks.py",
        "outreach/views/events.py",
        "outreach/apis/__init__.py",
        "hotline/selectors.py",  # where queries belong
        "hotline/services.py",
        "hotline/migrations/0002_data.py",
        "tests/hotline/test_views.py",
    ]:
        write(tmp_path, relative, query)
    found = sorted(problem.split(":")[0] for problem in check(tmp_path))
    assert found == [
        "hotline/apis.py",
        "hotline/tasks.py",
        "hotline/views.py",
        "outreach/apis/__init__.py",
        "outreach/views/events.py",
    ]


def test_the_project_has_no_unmarked_query_in_its_views_apis_and_tasks():
    assert check(ROOT) == []
