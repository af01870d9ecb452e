"""Role, permission, site, school, active-state and password changes of any account are in the
append-only audit log with who made them, whatever the path; nobody changes their own roles."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory

from centre.audit import AuditContextMiddleware
from centre.models import AuditEntry, Site, User
from centre.roles import Role
from tests.support.accounts import DEMO_PASSWORD, sign_in


def change_form(user, **changes) -> dict:
    """The admin's change form for `user` as the browser posts it, with `changes`."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "groups": [group.pk for group in user.groups.all()],
        "site": user.site_id or "",
        "school": user.school_id or "",
        "phone": user.phone,
        "language": user.language,
        "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value != ""}


@pytest.fixture(autouse=True)
def after_seeding(demo_network):
    """The demo accounts' own creation is audited too; the tests look at what follows."""
    return AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


@pytest.fixture
def entries(after_seeding):
    def written(user, prefix="centre.user."):
        return AuditEntry.objects.filter(
            id__gt=after_seeding,
            target_type="centre.user",
            target_id=str(user.pk),
            action__startswith=prefix,
        )

    return written


@pytest.fixture
def admin_client(client, account):
    sign_in(client, "admin")
    return client


def test_an_administrator_cannot_give_themselves_a_clinical_role(admin_client, account):
    admin = account("admin")
    supervisor = Group.objects.get(name=Role.SUPERVISOR)
    groups = [*admin.groups.values_list("pk", flat=True), supervisor.pk]
    page = admin_client.post(
        f"/admin/centre/user/{admin.pk}/change/", change_form(admin, groups=groups)
    )
    assert page.status_code == 200
    assert "You cannot change your own roles" in page.text or "不能更改自己的" in page.text
    admin.refresh_from_db()
    assert not admin.has_role(Role.SUPERVISOR)
    assert admin_client.get("/counselling/").status_code in (403, 404)
    site = Site.objects.exclude(pk=admin.site_id).first()
    page = admin_client.post(
        f"/admin/centre/user/{admin.pk}/change/", change_form(admin, site=site.pk)
    )
    assert page.status_code == 200
    assert Site.objects.get(staff=admin) != site


def run_in_request(user, work):
    """`work` inside a request signed in as `user`, as the middleware sees it."""
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.4")
    request.user = user
    with transaction.atomic():  # a refusal rolls back what it interrupted, as in a request
        return AuditContextMiddleware(lambda request: work() or HttpResponse())(request)


def test_the_model_refuses_a_change_of_ones_own_privileges_on_any_path(account):
    admin = account("admin")
    supervisor = Group.objects.get(name=Role.SUPERVISOR)
    with pytest.raises(PermissionDenied):
        run_in_request(admin, lambda: admin.groups.add(supervisor))
    with pytest.raises(PermissionDenied):
        run_in_request(admin, lambda: supervisor.user_set.add(admin))
    with pytest.raises(PermissionDenied):
        run_in_request(admin, lambda: admin.groups.clear())
    permission = Permission.objects.get(codename="view_case")
    with pytest.raises(PermissionDenied):
        run_in_request(admin, lambda: admin.user_permissions.add(permission))
    admin.is_superuser = True
    with pytest.raises(PermissionDenied):
        run_in_request(admin, admin.save)
    admin.refresh_from_db()
    assert not admin.is_superuser
    assert list(admin.groups.values_list("name", flat=True)) == [Role.SYSTEM_ADMINISTRATOR]
    admin.phone = "13900000000"  # one's own details are one's own
    run_in_request(admin, admin.save)


def test_a_role_granted_in_the_admin_is_audited_with_its_actor_and_shown_to_auditors(
    admin_client, account, client, entries
):
    operator = account("operator")
    supervisor = Group.objects.get(name=Role.SUPERVISOR)
    groups = [*operator.groups.values_list("pk", flat=True), supervisor.pk]
    answer = admin_client.post(
        f"/admin/centre/user/{operator.pk}/change/",
        change_form(operator, groups=groups, is_active=""),
        REMOTE_ADDR="192.0.2.9",
    )
    assert answer.status_code == 302
    granted = entries(operator, "centre.user.role_granted").get()
    assert (granted.actor_username, granted.ip_address) == ("admin", "192.0.2.9")
    assert granted.data == {"roles": [Role.SUPERVISOR], "clinical": True}
    changed = entries(operator, "centre.user.changed").get()
    assert changed.data["changes"] == {"is_active": [True, False]}
    client.logout()
    sign_in(client, "auditor")
    page = client.get("/audit/?action=centre.user.role_granted")
    assert page.status_code == 200
    assert "centre.user.role_granted" in page.text
    assert "Clinical access granted" in page.text or "授予临床访问权限" in page.text


def test_an_administrators_password_change_is_audited_without_the_hash(
    admin_client, account, entries
):
    counsellor = account("counsellor")
    answer = admin_client.post(
        f"/admin/centre/user/{counsellor.pk}/password/",
        {"password1": "a-new-long-password-9", "password2": "a-new-long-password-9"},
    )
    assert answer.status_code == 302
    entry = entries(counsellor, "centre.user.password_changed").get()
    assert entry.actor_username == "admin"
    counsellor.refresh_from_db()
    assert counsellor.password not in str(entry.data)


def test_changes_from_the_shell_are_audited_too(account, entries):
    """No request: the entry has no actor, but it is there (both sides of the relation)."""
    liaison = account("liaison")
    counsellor_role = Group.objects.get(name=Role.COUNSELLOR)
    counsellor_role.user_set.add(liaison)
    liaison.groups.clear()
    liaison.user_permissions.add(Permission.objects.get(codename="view_case"))
    liaison.site = Site.objects.get(code="K01")
    liaison.is_staff = True
    liaison.save()
    liaison.set_password("another-long-password")
    liaison.save()
    found = list(entries(liaison).order_by("id").values_list("action", "actor", "data"))
    assert found[0] == (
        "centre.user.role_granted",
        None,
        {"roles": ["counsellor"], "clinical": True},
    )
    assert found[1][0:2] == ("centre.user.role_revoked", None)
    assert sorted(found[1][2]["roles"]) == ["counsellor", "school_liaison"]
    assert found[2][0] == "centre.user.permission_granted"
    assert found[2][2] == {"permissions": ["counselling.view_case"], "clinical": True}
    assert found[3][0] == "centre.user.changed"
    assert set(found[3][2]["changes"]) == {"site_id", "is_staff"}
    assert found[4][0] == "centre.user.password_changed"
    assert len(found) == 5


def test_a_sign_in_writes_no_account_change(client, account, entries):
    client.post("/login/", {"username": "counsellor", "password": DEMO_PASSWORD})
    assert not entries(account("counsellor")).exists()


def test_a_change_of_what_a_role_opens_is_audited(account, after_seeding):
    auditors = Group.objects.get(name=Role.AUDITOR)
    auditors.permissions.add(Permission.objects.get(codename="view_case"))
    entry = AuditEntry.objects.get(id__gt=after_seeding, action="centre.role.permission_granted")
    assert (entry.target_type, entry.target_id) == ("auth.group", str(auditors.pk))
    assert entry.data == {"permissions": ["counselling.view_case"], "clinical": True}


def test_a_deleted_account_is_audited(after_seeding):
    newcomer = User.objects.create_user("newcomer", password="a-long-password-1")
    newcomer_id = newcomer.pk
    newcomer.delete()
    actions = AuditEntry.objects.filter(id__gt=after_seeding, target_id=str(newcomer_id))
    assert list(actions.order_by("id").values_list("action", flat=True)) == [
        "centre.user.created",
        "centre.user.deleted",
    ]
