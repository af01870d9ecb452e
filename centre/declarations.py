"""What each app gives the core, declared on its AppConfig and read here — never registered by
importing a module for its side effects (README "How to add an app"):

    role_permissions    {role: ["app_label.codename", ...]}       centre.roles
    statistics_provider "app.statistics" (a module: FIGURES, …)     centre.statistics.registry
    message_templates   {template name: "app.module.render"}      centre.reminders
    workspace           Workspace(view=…, url_name=…, order=…)    centre.navigation
    navigation          (NavigationItem(…), …)                    centre.navigation
    today_sections      (TodaySection(…), …)                      centre.today
    home                Home(url_name=…, roles=…)                 centre.navigation
    client_records      ("app_label.model", ...): one child each   centre.audit_alerts
    audit_actions       AuditActions(actions=…, records=…, …)     centre.audit_actions

Dotted paths are imported when first used, so `centre` imports no app module by name and an
app's modules load after the app registry is ready."""

from __future__ import annotations

import functools
from typing import Any

from django.apps import AppConfig, apps
from django.core.signals import setting_changed
from django.dispatch import receiver


@functools.cache
def declared(attribute: str) -> tuple[tuple[AppConfig, Any], ...]:
    """Each installed app's value of `attribute`, in INSTALLED_APPS order (apps without one are
    left out)."""
    return tuple(
        (config, getattr(config, attribute))
        for config in apps.get_app_configs()
        if getattr(config, attribute, None)
    )


@receiver(setting_changed)
def _forget_declarations(*, setting: str, **kwargs: Any) -> None:
    # A test that installs an app (override_settings) sees its declarations, and only then.
    if setting == "INSTALLED_APPS":
        declared.cache_clear()
