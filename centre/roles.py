"""The portal's roles. Each is a Django group holding model permissions; a role alone never opens
every record: which records a user sees is decided by each app's `<model>_visible_to(user)`.

Each app declares the permissions its models give each role as `role_permissions` on its
AppConfig. The groups are created by centre's data migration and kept in step with those
declarations after every migrate (and every test flush) by `sync_role_groups`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.apps.registry import Apps
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:  # centre.models imports the roles
    from centre.models import User


class Role(models.TextChoices):
    COUNSELLOR = "counsellor", _("Counsellor")
    SUPERVISOR = "supervisor", _("Supervisor")
    SCHOOL_LIAISON = "school_liaison", _("School liaison")
    HOTLINE_OPERATOR = "hotline_operator", _("Hotline operator")
    CRISIS_TEAM = "crisis_team", _("Crisis team")
    OUTREACH_COORDINATOR = "outreach_coordinator", _("Outreach coordinator")
    STATISTICS_ADMINISTRATOR = "statistics_administrator", _("Statistics administrator")
    AUDITOR = "auditor", _("Auditor")
    SYSTEM_ADMINISTRATOR = "system_administrator", _("System administrator")


# Roles that open minors' records (case files, screening results, hotline calls): granting one
# is marked "clinical" in the audit log, for the auditors.
CLINICAL_ROLES = frozenset(
    {
        Role.COUNSELLOR,
        Role.SUPERVISOR,
        Role.SCHOOL_LIAISON,
        Role.HOTLINE_OPERATOR,
        Role.CRISIS_TEAM,
    }
)


# Groupings other modules check, named once here (a page's `roles`, a service's precondition).
# Clinicians: they read case files and scores, are shared cases with and sign off tier changes.
CLINICIAN_ROLES = frozenset({Role.COUNSELLOR, Role.SUPERVISOR})
# Who may open a page about a case (the crisis team reads the files it takes over).
CASE_FILE_ROLES = CLINICIAN_ROLES | {Role.CRISIS_TEAM}
# Who may break the glass: open a case outside their grants, for a stated reason, for a while.
BREAK_GLASS_ROLES = frozenset({Role.SUPERVISOR, Role.CRISIS_TEAM})
# Screening: campaigns are run by the school's liaison and the site's clinicians; the crisis team
# also sees the tracking board and the results, whose overdue assessments it takes over.
CAMPAIGN_ROLES = CLINICIAN_ROLES | {Role.SCHOOL_LIAISON}
SCREENING_ROLES = CAMPAIGN_ROLES | {Role.CRISIS_TEAM}
# Analytic roles (DOMAIN.md §5.4): reading many records is their work, so no bulk-access alert.
ANALYTIC_ROLES = frozenset({Role.STATISTICS_ADMINISTRATOR})


def has_any_role(user: User, roles: Iterable[Role]) -> bool:
    """Whether `user` holds at least one of `roles`."""
    return any(user.has_role(role) for role in roles)


def clinical_permissions() -> set[str]:
    """The permissions ("app_label.codename") any clinical role holds."""
    declared = declared_role_permissions()
    return set().union(*(declared[role.value] for role in CLINICAL_ROLES))


def declared_role_permissions() -> dict[str, set[str]]:
    """Every app's declaration merged: role → {"app_label.codename", ...}."""
    from django.apps import apps

    merged: dict[str, set[str]] = {role.value: set() for role in Role}
    for app_config in apps.get_app_configs():
        for role, names in getattr(app_config, "role_permissions", {}).items():
            merged[str(role)].update(names)
    return merged


def sync_role_groups(*, apps: Apps | None = None, using: str = "default") -> None:
    """Create the role groups and give each exactly its declared permissions.

    `apps` is the historical registry in a data migration, the live one otherwise. Permissions of
    models migrated in the same run are created first, as Django's post-migrate hook would.
    """
    from django.apps import apps as live_apps
    from django.contrib.auth.management import create_permissions

    apps = apps or live_apps
    for app_config in apps.get_app_configs():
        if apps is not live_apps:
            # Historical app configs look empty to Django, which only tests this for truth.
            app_config.models_module = True  # type: ignore[assignment]
        create_permissions(app_config, apps=apps, verbosity=0, using=using)
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, names in declared_role_permissions().items():
        group, _created = group_model.objects.using(using).get_or_create(name=role)
        wanted = []
        for name in sorted(names):
            app_label, codename = name.split(".")
            permission = (
                permission_model.objects.using(using)
                .filter(content_type__app_label=app_label, codename=codename)
                .first()
            )
            if permission is None and apps is live_apps:
                raise LookupError(f"role {role}: no permission {name}")
            if permission is not None:  # in a migration, later apps' models may not exist yet
                wanted.append(permission)
        group.permissions.set(wanted)


def sync_after_migrate(sender: object, using: str = "default", **kwargs: Any) -> None:
    sync_role_groups(using=using)
