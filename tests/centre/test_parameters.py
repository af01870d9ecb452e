"""Parameters never cause a 500: each malformed one answers 400 (or 404) with a message that
names it (centre/parameters.py), in the pages and the API alike."""

from __future__ import annotations

import base64

import pytest

from centre.models import Notification, Reminder
from tests.support.accounts import sign_in


@pytest.mark.parametrize("value", ["²", "1²", "a\x00", "99999999999999999999999", "-1"])
def test_an_id_that_is_no_number_answers_400_in_the_api(client, demo_network, value):
    sign_in(client, "counsellor", language="en")
    for address in ["/api/v1/counselling/sessions/", "/api/v1/counselling/referrals/"]:
        response = client.get(address, {"case": value})
        assert response.status_code == 400
        assert response.json() == {"case": ["“case” must be a record number."]}


def test_a_campaign_that_is_no_number_answers_400_on_the_board(client, demo_network):
    sign_in(client, "supervisor", language="en")
    response = client.get("/screening/board/", {"campaign": "²"})
    assert response.status_code == 400
    assert "“campaign” must be a record number." in response.content.decode()


def test_the_inbox_refuses_a_notification_that_is_no_number(client, account):
    user = account("counsellor")
    Notification.objects.create(user=user, title="t")
    sign_in(client, "counsellor", language="en")
    response = client.post("/inbox/", {"notification": "²"})
    assert response.status_code == 400
    assert "“notification” must be a record number." in response.content.decode()
    assert Notification.objects.filter(read_at__isnull=True).count() == 1  # nothing marked


@pytest.mark.parametrize("parameter", ["action", "user"])
def test_a_nul_in_the_audit_filters_answers_400(client, demo_network, parameter):
    sign_in(client, "auditor", language="en")
    for value in ["a\x00b", "x" * 151]:
        response = client.get("/audit/", {parameter: value})
        assert response.status_code == 400
        assert response.context["form"].errors[parameter]  # said on the field, not a 500
    assert client.get("/audit/", {parameter: "centre.session"}).status_code == 200


@pytest.mark.parametrize(
    "cursor",
    [base64.b64encode(text.encode()).decode() for text in ["p=abc", "p=%00", "o=1&p=²"]],
)
def test_a_tampered_cursor_answers_404(client, demo_network, cursor):
    sign_in(client, "counsellor", language="en")
    for address in ["/api/v1/counselling/cases/", "/api/v1/counselling/sessions/"]:
        response = client.get(address, {"cursor": cursor})
        assert response.status_code == 404
        assert response.json() == {"detail": "Invalid cursor"}


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "FOO"])
def test_other_methods_on_api_routes_answer_405(client, demo_network, method):
    sign_in(client, "counsellor", language="en")
    for address in ["/api/v1/counselling/cases/", "/api/v1/counselling/cases/1/", "/api/v1/me/"]:
        response = client.generic(method, address)
        assert response.status_code == 405, address
        assert method in response.json()["detail"]


def test_a_reminders_address_opened_in_a_browser_shows_the_outbox(client, account):
    reminder = Reminder.objects.create(
        idempotency_key="k",
        channel=Reminder.Channel.INBOX,
        status=Reminder.Status.FAILED,
        due_at="2026-01-01T00:00Z",
        recipient=account("supervisor"),
        site=account("supervisor").site,  # a supervisor decides their own site's reminders
        template="monthly_report_ready",
    )
    sign_in(client, "supervisor", language="en")
    response = client.get(f"/reminders/{reminder.pk}/")
    assert (response.status_code, response["Location"]) == (302, "/reminders/")
    assert client.post("/reminders/", {"decision": "resend"}).status_code == 405
    response = client.post(f"/reminders/{reminder.pk}/", {"decision": "give_up"})
    assert response.status_code == 302
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.CANCELLED


@pytest.mark.parametrize(
    ("first", "last"),
    [("9999-12", "9999-12"), ("0001-01", "9999-12"), ("2000-01", "2099-12"), ("0000-01", "")],
)
def test_a_statistics_window_beyond_the_bounds_shows_this_month_with_a_message(
    client, demo_network, first, last
):
    sign_in(client, "stats", language="en")
    page = client.get("/statistics/", {"from": first, "to": last})
    assert page.status_code == 200
    assert "from 2000-01 to 2099-12, at most 120 months at a time" in page.content.decode()
    export = client.get("/statistics/export.xlsx", {"from": first, "to": last})
    assert export.status_code == 400  # no file of another window than asked, the reason on it
    assert "from 2000-01 to 2099-12, at most 120 months at a time" in export.content.decode()


def test_a_nul_in_the_statistics_site_answers_400(client, demo_network):
    sign_in(client, "stats", language="en")
    response = client.get("/statistics/", {"site": "K0\x00"})
    assert response.status_code == 400
    assert "“site” holds at most 150 characters" in response.content.decode()


def test_a_monthly_report_whose_file_is_gone_answers_404(client, demo_network):
    from django.core.files.base import ContentFile

    from centre.models import MonthlyReport

    report = MonthlyReport(month="2026-10-01")
    report.file.save("gone.xlsx", ContentFile(b"PK"), save=True)
    report.file.storage.delete(report.file.name)
    sign_in(client, "stats", language="en")
    assert client.get(f"/statistics/reports/{report.pk}.xlsx").status_code == 404


@pytest.mark.parametrize("method", ["OPTIONS", "POST", "DELETE"])
def test_the_api_docs_page_answers_only_get(client, demo_network, method):
    sign_in(client, "counsellor", language="en")
    assert client.generic(method, "/api/v1/docs/").status_code == 405
    assert client.get("/api/v1/docs/").status_code == 200
