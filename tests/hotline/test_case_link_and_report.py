"""A call linked to a case its site supervisor sees (404 otherwise), and its mandatory report."""

from __future__ import annotations

import datetime

from django.utils import timezone

from centre.models import AuditEntry, Site
from hotline.models import MandatoryReport
from tests.support.accounts import sign_in


def test_an_operator_links_a_call_to_a_case_of_the_sites_tree(
    client, operator, make_call, alice_case
):
    call = make_call(operator)  # CITY: K01's case is in its tree
    sign_in(client, "operator")
    answer = client.post(
        f"/hotline/calls/{call.pk}/", {"action": "link", "case_number": str(alice_case.pk)}
    )
    assert answer.status_code == 302
    call.refresh_from_db()
    assert call.case == alice_case
    assert AuditEntry.objects.filter(action="hotline.call.linked").exists()


def test_a_case_outside_the_tree_answers_404(client, otto, make_call, alice_case):
    call = make_call(otto)  # K02: K01's case is not its site supervisor's
    client.login(username="otto", password="demo-password-for-tests")
    for number in (alice_case.pk, alice_case.pk + 10_000):
        answer = client.post(
            f"/hotline/calls/{call.pk}/", {"action": "link", "case_number": str(number)}
        )
        assert answer.status_code == 404
    call.refresh_from_db()
    assert call.case is None
    assert Site.objects.get(code="K02") == call.site


def test_a_mandatory_report_is_recorded_once_with_plausible_dates(client, operator, make_call):
    call = make_call(operator)
    sign_in(client, "operator")
    today = timezone.localdate()
    for day in ("0001-01-01", (today + datetime.timedelta(days=2)).isoformat(), "²"):
        answer = client.post(
            f"/hotline/calls/{call.pk}/",
            {"action": "report", "reported_on": day, "agency": "public_security"},
        )
        assert answer.status_code == 400, day
    answer = client.post(
        f"/hotline/calls/{call.pk}/",
        {
            "action": "report",
            "reported_on": today.isoformat(),
            "agency": "civil_affairs",
            "reference_number": "MZ-2026-01",
        },
    )
    assert answer.status_code == 302
    report = MandatoryReport.objects.get(call=call)
    assert (report.agency, report.reporter) == ("civil_affairs", operator)
    again = client.post(
        f"/hotline/calls/{call.pk}/",
        {"action": "report", "reported_on": today.isoformat(), "agency": "education"},
    )
    assert again.status_code == 409
    assert "MZ-2026-01" in client.get(f"/hotline/calls/{call.pk}/").text


def test_the_crisis_team_cannot_change_a_call_it_reads(client, operator, make_call):
    from hotline.models import CrisisAlert

    call = make_call(operator)
    CrisisAlert.objects.create(
        site=call.site, call=call, raised_by=operator, acknowledge_by=call.started_at
    )
    sign_in(client, "crisis")
    answer = client.post(
        f"/hotline/calls/{call.pk}/",
        {
            "action": "report",
            "reported_on": timezone.localdate().isoformat(),
            "agency": "education",
        },
    )
    assert answer.status_code == 403


def test_a_linked_call_is_not_linked_again(client, operator, make_call, alice_case, bob_case):
    """A second link would silently replace the first (e.g. the green channel's case): 409,
    and the page no longer offers the link form."""
    call = make_call(operator)
    sign_in(client, "operator")
    link = {"action": "link", "case_number": str(alice_case.pk)}
    assert client.post(f"/hotline/calls/{call.pk}/", link).status_code == 302
    assert 'value="link"' not in client.get(f"/hotline/calls/{call.pk}/").text
    again = client.post(
        f"/hotline/calls/{call.pk}/", {"action": "link", "case_number": str(bob_case.pk)}
    )
    assert again.status_code == 409
    call.refresh_from_db()
    assert call.case == alice_case
    assert AuditEntry.objects.filter(action="hotline.call.linked").count() == 1
