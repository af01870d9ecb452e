"""No parameter causes a 500, proved generically: every pattern of the URL conf is requested —
its path parameters filled with real records, missing ones and numbers beyond any id — by
anonymous visitors, a student in the middle of the online self-assessment (the public pages
with their questions) and each role, with GET, POST and every other method, and hostile query
strings and bodies (NUL, `\\N`, `²`, 10,000 characters, years 1 and 9999, negative and huge
numbers) in every parameter the portal reads and every field of the forms a page shows.

A 500 (or an exception escaping a view) anywhere fails the test, listing who sent what where.
The API is also driven from its OpenAPI schema with Hypothesis (tests/centre/test_api_schema.py).
"""

from __future__ import annotations

import logging
import os

import pytest

from tests.hostile import (
    HOSTILE,
    HOSTILE_JSON,
    KNOWN_PARAMETERS,
    OTHER_METHODS,
    Prober,
    fillings,
    form_names,
    rotation,
    routes,
    upload,
)

WHO = [
    "anonymous",
    "student",
    "counsellor",
    "supervisor",
    "liaison",
    "crisis",
    "operator",
    "outreach",
    "stats",
    "auditor",
    "admin",
]
# HOSTILE_FULL=1: every principal sends every rotation of the hostile values to every route
# (about ten minutes). By default (`make test`) principal k sends the k-th rotation and the k-th
# other method: together they cover the same values at a fraction of the cost.
FULL = os.environ.get("HOSTILE_FULL") == "1"


def probe_route(prober: Prober, route, world, *, turn: int) -> None:
    for index, values in enumerate(fillings(route, world)):
        path = route.template.format(**values)
        page = prober.send("GET", path)
        if index:
            continue  # a missing record or a huge id: the page alone
        names = sorted({*KNOWN_PARAMETERS, *form_names(page)})
        shifts = range(len(HOSTILE)) if FULL else [turn]
        for shift in shifts:
            query = rotation(names, HOSTILE, shift)
            prober.send("GET", path, query=query)
            prober.send("POST", path, query=query, data={**query, "file": upload()})
            if route.is_api:
                body = rotation(names, HOSTILE_JSON, shift)
                prober.send("POST", path, json_body=body)
                prober.send("PATCH", path, json_body=body)
        methods = OTHER_METHODS if FULL else [OTHER_METHODS[turn % len(OTHER_METHODS)]]
        for method in methods:
            prober.send(method, path, query=rotation(names, HOSTILE, turn))


def start_online_assessment(client, world) -> None:
    """A student who never signs in, in the middle of the online self-assessment, with the
    thank-you page still to see: the public pages answer with their questions and forms."""
    from django.core.cache import cache

    from screening.views import THANKS_KEY

    cache.clear()  # the tries counted from this address by earlier tests
    started = client.post("/screening/online/", {"code": world.online_code})
    assert started["Location"] == "/screening/online/question/"
    assert client.post("/screening/online/agree/")["Location"] == "/screening/online/question/"
    session = client.session
    session[THANKS_KEY] = {"crisis": True}
    session.save()


@pytest.fixture
def quiet_logs():
    """Thousands of refused requests each log a warning: the failures are reported below."""
    logging.disable(logging.CRITICAL)
    yield
    logging.disable(logging.NOTSET)


def test_no_parameter_causes_a_500(client, account, world, quiet_logs):
    failures, requests = [], 0
    for turn, who in enumerate(WHO):
        client.logout()
        if who == "student":
            start_online_assessment(client, world)
        elif who != "anonymous":
            client.force_login(account(who))
        prober = Prober(client, who)
        for index, route in enumerate(routes()):
            if route.is_admin and who not in {"anonymous", "admin"}:
                continue  # the admin answers everyone else with its login page
            probe_route(prober, route, world, turn=turn + index)
        failures += prober.failures
        requests += prober.requests
    report = "\n".join(str(failure) for failure in failures[:40])
    assert not failures, f"{len(failures)} of {requests} requests failed:\n{report}"


def test_the_world_fills_every_outreach_route_parameter_with_a_real_record(client, account, world):
    """The outreach routes are probed with real records, not "1": every parameter is in the
    world, and the trainees', import and participants' pages take their own event."""
    outreach = [
        route for route in routes() if route.template.startswith(("outreach/", "api/v1/outreach/"))
    ]
    assert outreach
    for route in outreach:
        assert set(route.names) <= set(world.ids), route.template
    trainee = next(route for route in outreach if "trainee_id" in route.names)
    participant = next(route for route in outreach if "participant_id" in route.names)
    assert fillings(trainee, world)[0]["event_id"] != world.ids["event_id"]
    assert fillings(participant, world)[0]["event_id"] != fillings(trainee, world)[0]["event_id"]
    # Real records: the pages answer 200 to whoever may see them.
    pages = {
        "outreach": [
            "outreach/partners/{partner_id}/",
            "outreach/agreements/{agreement_id}/edit/",
            "outreach/events/{event_id}/trainees/{trainee_id}/remove/",
            "outreach/events/{event_id}/import/",
        ],
        "counsellor": ["outreach/events/{event_id}/participants/{participant_id}/remove/"],
    }
    by_template = {route.template: route for route in outreach}
    for who, templates in pages.items():
        client.force_login(account(who))
        for template in templates:
            path = template.format(**fillings(by_template[template], world)[0])
            assert client.get(f"/{path}").status_code == 200, (who, path)


def test_the_student_is_probed_on_the_public_pages_themselves(client, world):
    """The student's requests reach the question's form and the thank-you page, not only the
    redirect to the code's page that a visitor without a session gets."""
    start_online_assessment(client, world)
    prober = Prober(client, "student")
    question = prober.send("GET", "screening/online/question/")
    assert question.status_code == 200
    assert {"key", "answer"} <= set(form_names(question))
    thanks = prober.send("GET", "screening/online/thanks/")
    assert thanks.status_code == 200
    assert 'id="online-help-now"' in thanks.text
    # each request leaves no trace: the page shown once is there for the next one too
    assert prober.send("GET", "screening/online/thanks/").status_code == 200
    assert not prober.failures
