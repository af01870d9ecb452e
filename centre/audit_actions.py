"""The audit log's actions in the reader's words. Each app declares what it writes to the log on
its AppConfig (`audit_actions = AuditActions(…)`, centre/declarations.py): the auditors' page
names every action and offers it in its filter, and a new app cannot leave its entries shown as
dotted codes (tests/centre/test_audit_actions.py reads every action the code writes).

An action is `<app>.<record>.<verb>`; the page reads it as "record: verb". The log keeps the
dotted name (the filter's value); an action nobody declared is shown as stored. This module
imports no model, so an apps.py can import it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from centre.declarations import declared


@dataclass(frozen=True)
class AuditActions:
    """What one app writes to the audit log."""

    # The actions the auditors' filter offers, in the list's order.
    actions: tuple[str, ...]
    # "<app>.<record>" of those actions → the record as a reader says it.
    records: Mapping[str, Promise]
    # Verbs of its own, beside the shared ones (VERB_LABELS).
    verbs: Mapping[str, Promise] = field(default_factory=dict)
    # The kinds of record the filter offers (the `target_type` an entry stores → its label):
    # those whose number an auditor asks about.
    record_types: tuple[tuple[str, Promise], ...] = ()
    # An entry's `target_type` whose record is named otherwise in the actions
    # ("hotline.crisisalert" → "hotline.alert"), for the record column of the others.
    targets: Mapping[str, str] = field(default_factory=dict)


# Verbs more than one app writes.
VERB_LABELS: Mapping[str, Promise] = {
    "viewed": gettext_lazy("viewed"),
    "listed": gettext_lazy("listed"),
    "searched": gettext_lazy("searched"),
    "exported": gettext_lazy("exported"),
    "printed": gettext_lazy("printed"),
    "requested": gettext_lazy("requested"),
    "created": gettext_lazy("created"),
    "deleted": gettext_lazy("deleted"),
    "changed": gettext_lazy("changed"),
    "updated": gettext_lazy("updated"),
    "added": gettext_lazy("added"),
    "removed": gettext_lazy("removed"),
    "moved": gettext_lazy("moved"),
    "opened": gettext_lazy("opened"),
    "reopened": gettext_lazy("reopened"),
    "closed": gettext_lazy("closed"),
    "given": gettext_lazy("given"),
    "withdrawn": gettext_lazy("withdrawn"),
    "planned": gettext_lazy("planned"),
    "cancelled": gettext_lazy("cancelled"),
    "done": gettext_lazy("done"),
    "missed": gettext_lazy("missed"),
    "saved": gettext_lazy("saved"),
    "recorded": gettext_lazy("recorded"),
    "imported": gettext_lazy("imported"),
    "started": gettext_lazy("started"),
    "submitted": gettext_lazy("submitted"),
    "read": gettext_lazy("read"),
}


def declared_actions() -> tuple[AuditActions, ...]:
    """Each installed app's declaration, in INSTALLED_APPS order."""
    return tuple(actions for _config, actions in declared("audit_actions"))


def known_actions() -> tuple[str, ...]:
    """The actions the filter offers: every app's, each once."""
    return tuple(
        dict.fromkeys(
            action for declaration in declared_actions() for action in declaration.actions
        )
    )


def audit_record_types() -> tuple[tuple[str, Promise], ...]:
    """The kinds of record the filter offers, every app's."""
    return tuple(kind for declaration in declared_actions() for kind in declaration.record_types)


def _records() -> dict[str, Promise]:
    return {
        key: label
        for declaration in declared_actions()
        for key, label in declaration.records.items()
    }


def _verbs() -> dict[str, Promise]:
    verbs = dict(VERB_LABELS)
    for declaration in declared_actions():
        verbs.update(declaration.verbs)
    return verbs


def action_label(action: str) -> str:
    """The action as a reader says it, "Case file: viewed"; the dotted name if unknown."""
    app, _dot, rest = action.partition(".")
    record, _dot, verb = rest.rpartition(".")
    verbs = _verbs()
    label = _records().get(f"{app}.{record}")
    if not record or "." in record or label is None or verb not in verbs:
        return action
    return _("%(record)s: %(verb)s") % {"record": label, "verb": verbs[verb]}


def record_label(target_type: str) -> str:
    """A record's kind in the reader's words (`counselling.case` → "Case file")."""
    kinds = dict(audit_record_types())
    if target_type in kinds:
        return str(kinds[target_type])
    targets = {
        target: record
        for declaration in declared_actions()
        for target, record in declaration.targets.items()
    }
    label = _records().get(targets.get(target_type, target_type))
    return str(label) if label is not None else target_type
