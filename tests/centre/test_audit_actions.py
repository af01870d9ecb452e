"""Every action the code writes to the audit log is declared by its app (centre.audit_actions),
so the auditors' page and its exports name it in words and its filter offers it; no two actions
read the same in either language."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
from pathlib import Path

import pytest
from django.utils import translation

from centre.audit_actions import action_label, audit_record_types, known_actions, record_label

ROOT = Path(__file__).resolve().parents[2]
APPS = ("centre", "counselling", "screening", "hotline", "outreach")
APP_PREFIX = "(?:" + "|".join(APPS) + ")"
ACTION = re.compile(APP_PREFIX + r"\.[a-z_]+\.[a-z_]+$")


def _is_dotted_path(value: str) -> bool:
    """A module or a module's attribute ("centre.audit.client_address"), not an action."""
    module, _dot, attribute = value.rpartition(".")
    try:
        if importlib.util.find_spec(value) is not None:
            return True
    except ModuleNotFoundError:
        pass
    try:
        return hasattr(importlib.import_module(module), attribute)
    except ModuleNotFoundError:
        return False


def _sources() -> list[Path]:
    return [
        path
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts and path.name != "apps.py"
    ]


def written_actions() -> tuple[set[str], set[str]]:
    """The action names in the code (string literals shaped like one), and the f-strings that
    build one, as patterns."""
    literals: set[str] = set()
    patterns: set[str] = set()
    for path in _sources():
        tree = ast.parse(path.read_text(), filename=str(path))
        # An f-string's pieces are read as the f-string, not each alone.
        pieces = {
            id(part)
            for node in ast.walk(tree)
            if isinstance(node, ast.JoinedStr)
            for part in node.values
        }
        for node in ast.walk(tree):
            if id(node) in pieces:
                continue
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if ACTION.match(node.value) and not _is_dotted_path(node.value):
                    literals.add(node.value)
            elif isinstance(node, ast.JoinedStr):
                parts = [
                    re.escape(part.value) if isinstance(part, ast.Constant) else "[a-z_]+"
                    for part in node.values
                ]
                pattern = "".join(parts)
                shaped = re.match(APP_PREFIX + r"\\\.", pattern) and pattern.count(r"\.") == 2
                if shaped:
                    patterns.add(pattern)
    return literals, patterns


def test_the_scan_finds_the_actions_of_every_app():
    literals, patterns = written_actions()
    for example in (
        "hotline.call.viewed",
        "hotline.alert.raised",
        "outreach.event.listed",
        "counselling.consent.given",
        "screening.online.submitted",
        "centre.session.login",
    ):
        assert example in literals
    assert r"counselling\.follow_up\.[a-z_]+" in patterns
    assert "centre.audit.client_address" not in literals  # a dotted path, not an action


def test_every_action_written_is_declared_and_labelled():
    literals, patterns = written_actions()
    known = set(known_actions())
    assert sorted(literals - known) == []
    for pattern in patterns:
        assert any(re.fullmatch(pattern, action) for action in known), pattern
    with translation.override("en"):
        unnamed = [action for action in known if action_label(action) == action]
    assert unnamed == []


def test_the_actions_built_at_run_time_are_declared():
    known = set(known_actions())
    for action in (
        "counselling.follow_up.done",  # FollowUp.Status after an outcome
        "counselling.follow_up.missed",
        "centre.role.permission_granted",
        "centre.role.permission_revoked",
        "centre.site.moved",
        "centre.school.moved",
    ):
        assert action in known
        assert action_label(action) != action


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_no_two_actions_read_the_same(language):
    with translation.override(language):
        labels = [action_label(action) for action in known_actions()]
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    assert repeated == []


def test_the_consents_of_counselling_and_screening_are_told_apart():
    with translation.override("zh-hans"):
        assert action_label("counselling.consent.given") == "个案知情同意：签署"
        assert action_label("screening.consent.given") == "筛查知情同意：签署"
        assert action_label("screening.consent.withdrawn") == "筛查知情同意：撤回"


def test_every_label_is_translated():
    with translation.override("zh-hans"):
        untranslated = [
            action for action in known_actions() if re.search(r"[A-Za-z]", action_label(action))
        ]
        kinds = [kind for kind, label in audit_record_types() if re.search(r"[A-Za-z]", str(label))]
    assert untranslated == []
    assert kinds == []


def test_hotline_records_are_named_and_offered_by_the_filter():
    kinds = dict(audit_record_types())
    assert {"hotline.call", "hotline.crisisalert", "outreach.event"} <= set(kinds)
    with translation.override("zh-hans"):
        assert record_label("hotline.crisisalert") == "危机警报"
        assert action_label("hotline.call.viewed") == "热线来电：查看"


@pytest.mark.django_db
def test_the_auditors_page_and_export_name_a_hotline_entry(client):
    """What the walkthrough saw as "hotline.call.viewed" and "hotline.crisisalert #118"."""
    from centre.models import AuditEntry
    from tests.support.accounts import sign_in

    AuditEntry.objects.create(
        actor_username="operator",
        action="hotline.call.viewed",
        target_type="hotline.call",
        target_id="5121",
    )
    AuditEntry.objects.create(
        actor_username="operator",
        action="hotline.alert.raised",
        target_type="hotline.crisisalert",
        target_id="118",
    )
    sign_in(client, "auditor")
    page = client.get("/audit/").text
    assert "热线来电：查看" in page
    assert "热线来电 #5121" in page
    assert "危机警报：发出" in page
    assert "危机警报 #118" in page
    assert "?record_type=hotline.crisisalert&amp;record_id=118" in page  # all entries about it
    filtered = client.get("/audit/", {"record_type": "hotline.call", "record_id": "5121"})
    assert filtered.status_code == 200
    assert "危机警报 #118" not in filtered.text
    export = client.get("/audit/export.csv", {"action": "hotline.call.viewed"})
    text = b"".join(export.streaming_content if export.streaming else [export.content])
    assert "热线来电：查看,hotline.call.viewed,热线来电 #5121" in text.decode("utf-8-sig")


def test_every_declared_record_kind_has_a_label():
    from django.apps import apps

    from centre.audit_actions import declared_actions

    for declaration in declared_actions():
        for target, record in declaration.targets.items():
            assert apps.get_model(target) is not None  # a model, spelled as the log stores it
            assert record in declaration.records, target
            assert record_label(target) != target
        for target, _label in declaration.record_types:
            assert apps.get_model(target) is not None
    with translation.override("zh-hans"):
        assert record_label("counselling.counsellingsession") == "咨询记录"
        assert record_label("hotline.shifthandover") == "交接班记录"
