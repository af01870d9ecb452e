"""Holes found by attacking the fixes of issue 11 (a review as an outsider and an insider): each
test failed before its fix."""

from __future__ import annotations

from centre.models import AuditEntry, School, Site
from tests.support.accounts import DEMO_PASSWORD


def test_moving_a_school_or_a_site_in_the_admin_is_audited(client, demo_network):
    """Which site a school belongs to, and where a site sits, decide who sees its children's
    records: moving SCH-0201 under K01 opened its students' scores to K01's clinicians, and the
    change was only in Django's editable admin log."""
    school, k01 = School.objects.get(code="SCH-0201"), Site.objects.get(code="K01")
    before = school.site_id
    assert client.login(username="admin", password=DEMO_PASSWORD)
    form = {
        "code": school.code,
        "name": school.name,
        "district": school.district,
        "level": school.level,
        "site": k01.pk,
    }
    answer = client.post(f"/admin/centre/school/{school.pk}/change/", form, REMOTE_ADDR="192.0.2.7")
    assert answer.status_code == 302
    entry = AuditEntry.objects.get(action="centre.school.moved", target_id=str(school.pk))
    assert (entry.actor_username, entry.ip_address) == ("admin", "192.0.2.7")
    assert entry.data == {"changes": {"site_id": [before, k01.pk]}}
    station = Site.objects.filter(kind="station").exclude(parent=k01).first()
    old_parent = station.parent_id
    station.parent = k01
    station.save()
    moved = AuditEntry.objects.get(action="centre.site.moved", target_id=str(station.pk))
    assert moved.data == {"changes": {"parent_id": [old_parent, k01.pk]}}
    # A save that moves nothing (a renamed school) writes no entry.
    school.refresh_from_db()
    school.name = "新校名"
    school.save()
    assert AuditEntry.objects.filter(action="centre.school.moved").count() == 1
