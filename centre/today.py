"""The parts of a clinician's "today" page that other apps give: each app may declare
`today_sections` on its AppConfig (`TodaySection`s), read here, so the page's app imports no
other app (screening's crisis tasks appear on counselling's page).

A section's `rows` is the dotted path of `rows(*, request) -> list`: what the signed-in user
should act on today, at most a screenful, its read audited by the function itself (one
`audit_read` entry for the rows it returns). `template` shows them (it gets `rows`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise
from django.utils.module_loading import import_string

from centre.declarations import declared

if TYPE_CHECKING:
    from django.http import HttpRequest


@dataclass(frozen=True)
class TodaySection:
    title: str | Promise
    rows: str
    template: str
    order: int = 100


def declared_sections() -> list[TodaySection]:
    sections = [section for _config, entries in declared("today_sections") for section in entries]
    return sorted(sections, key=lambda section: section.order)


def sections_for(request: HttpRequest) -> list[dict[str, Any]]:
    """Each declared section with its rows for the signed-in user."""
    return [
        {
            "title": section.title,
            "template": section.template,
            "rows": import_string(section.rows)(request=request),
        }
        for section in declared_sections()
    ]
