"""What one answer costs the database (issue 16's load: a school answering in one period): a
student's browser session is not written again on every answer (centre.middleware
RenewingSessionMiddleware), only at most every SESSION_RENEW_ANONYMOUS_SECONDS, and still before
it could run out; a signed-in session is written on every request as before. A crisis tells the
whole team in one statement (centre.reminders.reminders_plan), and twice is still once."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from centre.models import Reminder, User
from centre.reminders import reminders_plan
from screening import online_questions
from tests.screening.test_online_pages import answer, start
from tests.support.accounts import sign_in

pytestmark = pytest.mark.usefixtures("fresh_rates")


def session_writes(queries: CaptureQueriesContext) -> list[str]:
    return [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith(('UPDATE "django_session"', 'INSERT INTO "django_session"'))
    ]


def expiry(client) -> datetime.datetime:
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_answers_within_a_minute_do_not_write_the_session_again(client, online_campaign, slips):
    start(client, slips[0])
    asked = online_questions.questions(online_campaign.instruments)
    written = expiry(client)
    with CaptureQueriesContext(connection) as queries:
        for question in asked[:3]:
            assert answer(client, question.key, 0).status_code == 302
            assert client.get("/screening/online/question/").status_code == 200
    assert session_writes(queries) == []
    assert expiry(client) == written
    # The answers themselves were kept, and the session still holds the student's place.
    page = client.get("/screening/online/question/")
    assert f"4 / {len(asked)}" in page.text


def test_the_session_is_renewed_after_a_minute_before_it_runs_out(
    client, online_campaign, slips, settings
):
    start(client, slips[0])
    question = online_questions.questions(online_campaign.instruments)[0]
    written = expiry(client)
    later = timezone.now() + datetime.timedelta(seconds=settings.SESSION_RENEW_ANONYMOUS_SECONDS)
    with time_machine.travel(later, tick=False):
        with CaptureQueriesContext(connection) as queries:
            assert answer(client, question.key, 1).status_code == 302
        assert len(session_writes(queries)) == 1
        renewed = expiry(client)
    assert renewed >= written + datetime.timedelta(seconds=settings.SESSION_RENEW_ANONYMOUS_SECONDS)
    # Idle longer than the limit (less than a minute unrenewed): the student starts again
    # with the code, and finds their answer kept.
    gone = later + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE + 1)
    with time_machine.travel(gone, tick=False):
        assert client.get("/screening/online/question/")["Location"] == "/screening/online/"


def test_a_short_idle_limit_is_renewed_at_least_every_quarter_of_it(
    client, online_campaign, slips, settings
):
    settings.SESSION_COOKIE_AGE = 120
    start(client, slips[0])
    question = online_questions.questions(online_campaign.instruments)[0]
    later = timezone.now() + datetime.timedelta(seconds=31)
    with time_machine.travel(later, tick=False), CaptureQueriesContext(connection) as queries:
        assert answer(client, question.key, 1).status_code == 302
    assert len(session_writes(queries)) == 1


def test_a_signed_in_session_is_written_on_every_request(client, demo_network):
    sign_in(client, "counsellor")
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/counselling/today/").status_code == 200
        assert len(session_writes(queries)) == 1


def test_a_team_is_told_in_one_statement_and_twice_is_once(demo_network):
    people = list(User.objects.filter(username__in=["crisis", "counsellor", "supervisor"]))
    target = people[0]

    def plan():
        return reminders_plan(
            recipients=[(f"test_team:{person.pk}", person) for person in people],
            channel=Reminder.Channel.INBOX,
            due_at=timezone.now(),
            template="screening_online_action_now",
            params={"result": 1},
            target=target,
        )

    with CaptureQueriesContext(connection) as queries:
        first = plan()
    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1
    assert len(first) == len(people) == 3
    assert sorted(plan()) == sorted(first)
    planned = Reminder.objects.filter(pk__in=first)
    assert {reminder.recipient_id for reminder in planned} == {person.pk for person in people}
    assert {reminder.site_id for reminder in planned} == {person.site_id for person in people}
    assert all(reminder.target_id == str(target.pk) for reminder in planned)
