"""A system check (run by `manage.py check`, at start-up and in `make test`): every declaration
an app makes on its AppConfig resolves, so a moved function fails the check, not a send."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core import checks
from django.utils.module_loading import import_string


def check_declarations(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from centre.declarations import declared
    from centre.navigation import declared_items
    from centre.retention import policy_errors
    from centre.statistics.registry import declaration_errors

    errors = []
    for config, templates in declared("message_templates"):
        for name, path in templates.items():
            try:
                import_string(path)
            except ImportError as error:
                errors.append(f"{config.label}: message template {name!r}: {error}")
    for config, sections in declared("today_sections"):
        for section in sections:
            try:
                import_string(section.rows)
            except ImportError as error:
                errors.append(f"{config.label}: today section {section.rows!r}: {error}")
    for config, names in declared("client_records"):
        for name in names:
            try:
                apps.get_model(name)
            except (LookupError, ValueError) as error:
                errors.append(f"{config.label}: client record {name!r}: {error}")
    try:
        declared_items()
        errors += declaration_errors()
        errors += policy_errors()
    except ImportError as error:
        errors.append(str(error))
    return [checks.Error(message, id="centre.E001") for message in errors]
