from __future__ import annotations

from django.contrib.auth.models import Group

from centre.roles import Role


def test_every_role_is_a_group_with_its_model_permissions(db):
    groups = {group.name: group for group in Group.objects.prefetch_related("permissions")}
    for role in Role:
        assert role.value in groups, role
        assert groups[role.value].permissions.exists(), role


def test_only_the_auditor_may_read_the_audit_log(db):
    readers = Group.objects.filter(permissions__codename="view_auditentry")
    assert list(readers.values_list("name", flat=True)) == [Role.AUDITOR.value]


def test_no_role_may_change_or_delete_audit_entries(db):
    assert not Group.objects.filter(
        permissions__codename__in=["change_auditentry", "delete_auditentry", "add_auditentry"]
    ).exists()


def test_demo_accounts_are_not_superusers(account):
    for username in ["admin", "supervisor", "crisis", "auditor"]:
        assert not account(username).is_superuser
