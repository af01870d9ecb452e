"""What the hostile-input tests share: the values an attacker (or a slip of the keyboard) sends,
a world with one record of every kind, and a request that never leaves a trace.

A request is sent inside a savepoint rolled back afterwards, so the next one finds the same
records, and the client's cookies are put back (a logout or a language switch lasts one
request). An exception escaping the view or a 500 is recorded with the method, the address and
the parameters that produced it."""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils import timezone

HOSTILE = [
    "\x00",
    "a\x00b",
    "2026-11-20\x00",
    "2026-11-20 10:00\x00",
    "\\N",
    "²",
    "x" * 10_000,
    "0001-01-01",
    "9999-12-31",
    "0001-01-01T00:00",
    "9999-12-31 23:59",
    "9999-12",
    "-1",
    "99999999999999999999999",
    "1e308",
    "' OR 1=1 --",
    "<script>",
    "../../etc/passwd",
    "",
]
# Numbers and shapes a JSON body may carry besides strings.
HOSTILE_JSON = [*HOSTILE, -(2**63), 2**64, 0, 1.5, None, True, [], {}, ["²"], {"a": "\x00"}]
# Parameters the portal reads, besides the fields of the forms a page shows.
KNOWN_PARAMETERS = [
    "case",
    "campaign",
    "tier",
    "status",
    "risk_level",
    "from",
    "to",
    "site",
    "action",
    "user",
    "page",
    "format",
    "cursor",
    "page_size",
    "next",
    "notification",
    "decision",
    "language",
    "version",
    "q",
    "o",
    "n",
]
OTHER_METHODS = ["PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "TRACE", "CONNECT", "FOO"]
# A record number nobody has, and one beyond any bigint.
MISSING_ID = "987654321"
HUGE_ID = "99999999999999999999"


@dataclass
class World:
    """One record of every kind, keyed by the name its URL parameter has."""

    ids: dict[str, str]
    slugs: dict[str, list[str]] = field(default_factory=dict)
    # Values a route whose template holds the key takes instead (the trainees' pages need a
    # training's event_id, a participant's page its group's).
    by_route: dict[str, dict[str, str]] = field(default_factory=dict)
    # A student's code of the class opened online, not started yet: the public pages' visitor.
    online_code: str = ""


def build_world(account) -> World:
    from centre.models import MonthlyReport, Notification, Reminder, School, Site
    from counselling import services
    from screening import services as screening_services
    from screening.models import Campaign, Student, TrackingTask
    from tests.support.counselling import open_case
    from tests.support.counselling import session as log_session
    from tests.support.rosters import csv_bytes, roster_rows, student_row

    alice, liaison = account("counsellor"), account("liaison")
    site, school = Site.objects.get(code="K01"), School.objects.get(code="SCH-0101")
    case = open_case(
        counsellor=alice,
        site=site,
        school=school,
        full_name="测试学生",
        date_of_birth=datetime.date(2013, 5, 3),
        risk_level="moderate",
        presenting_concerns="学习压力",
    )
    client, consent = case.client, case.client.consents.order_by("pk").last()
    guardian = client.guardians.get()
    session = log_session(alice, case, timezone.now())
    referral = services.referral_create(
        actor=alice, case=case, destination="outpatient", reason="评估"
    )
    follow_up = services.follow_up_add(
        actor=alice, case=case, due_at=timezone.now() + datetime.timedelta(days=7)
    )
    appointment = services.appointment_plan(
        actor=alice,
        case=case,
        starts_at=timezone.now() + datetime.timedelta(days=2),
        modality="online",
        kind="counselling",
    )
    campaign = Campaign.objects.create(
        school=school,
        name="秋季筛查",
        instruments=["PHQ-A", "GAD-7"],
        opens_on=datetime.date(2026, 9, 1),
        closes_on=datetime.date(2026, 12, 31),
        liaison=liaison,
    )
    rows = roster_rows(3)
    rows[0] = student_row(1, phq=[3, 3, 3, 3, 3, 1, 1, 0, 2])  # a crisis flag: a task
    roster_import = screening_services.roster_upload(
        actor=liaison,
        campaign=campaign,
        upload=SimpleUploadedFile("roster.csv", csv_bytes(rows)),
        all_or_nothing=False,
    )
    task = TrackingTask.objects.filter(result__campaign=campaign).first()
    # The campaign opened online for the roster's class, where one student of the class list
    # were not screened by the roster (the screened get no slip); one of them (their guardian's
    # slip recorded) started on their code and agreed on the first screen.
    for number in (1, 2):  # two of the class list the roster did not screen
        Student.objects.create(
            school=school, student_no=f"2026999{number}", full_name="线上学生", class_name="3班"
        )
    campaign.consent_basis = "guardian"
    campaign.save(update_fields=["consent_basis"])
    window, slips = screening_services.online_open(
        actor=liaison, campaign=campaign, class_name="3班"
    )
    screening_services.consent_record_guardians(
        actor=liaison, campaign=campaign, students=[student for student, _code in slips]
    )
    online_session = screening_services.online_start(code=slips[0][1])
    screening_services.online_agree(session_id=online_session.pk)
    reminder = Reminder.objects.create(
        idempotency_key="hostile-test",
        channel=Reminder.Channel.INBOX,
        status=Reminder.Status.FAILED,
        due_at=timezone.now(),
        recipient=account("supervisor"),
        template="monthly_report_ready",
    )
    report = MonthlyReport(month=datetime.date(2026, 10, 1))
    report.file.save("hostile-report.xlsx", ContentFile(b"PK\x03\x04"), save=True)
    Notification.objects.create(user=alice, title="t", link="/counselling/")
    outreach_ids, outreach_routes = _outreach_world(account, site, case)
    return World(
        ids={
            "case_id": str(case.pk),
            "consent_id": str(consent.pk),
            "guardian_id": str(guardian.pk),
            "referral_id": str(referral.pk),
            "session_id": str(session.pk),
            "follow_up_id": str(follow_up.pk),
            "appointment_id": str(appointment.pk),
            "client_id": str(client.pk),
            "campaign_id": str(campaign.pk),
            "import_id": str(roster_import.pk),
            "result_id": str(task.result_id),
            "task_id": str(task.pk),
            "window_id": str(window.pk),
            "student_id": str(slips[-1][0].pk),  # of the class opened online, not started
            "reminder_id": str(reminder.pk),
            "report_id": str(report.pk),
            "object_id": str(alice.pk),
            "app_label": "centre",
            "url": "nothing-here",
            "content_type_id": "1",
            "user_id": str(alice.pk),
            "id": str(alice.pk),
            **_hotline_world(account),
            **outreach_ids,
        },
        slugs={"action": ["concerns", "risk", "status", "nothing"]},
        by_route=outreach_routes,
        online_code=slips[1][1],
    )


def _hotline_world(account) -> dict[str, str]:
    """A high-risk call with its alert and callback, a rota shift behind the alert, and the
    operator's handover note for the next shift."""
    from hotline.models import Callback, CrisisAlert, RotaShift
    from hotline.services import call_save, call_start, handover_write

    operator, crisis = account("operator"), account("crisis")
    now = timezone.now()
    # crisis on call, so the call's alert is assigned to someone (no route names a shift)
    RotaShift.objects.create(
        site=operator.site,
        person=crisis,
        role=RotaShift.Role.PRIMARY,
        starts_at=now - datetime.timedelta(hours=1),
        ends_at=now + datetime.timedelta(hours=8),
        created_by=account("admin"),
    )
    call = call_start(actor=operator)
    call = call_save(
        actor=operator,
        call=call,
        expected_version=call.version,
        contact_type="child_about_self",
        cssrs_answers={"q1": True, "q2": True, "q3": True, "q4": True, "q5": False, "q6": False},
        callback_wanted=True,
        callback_consent=True,
    )
    alert = CrisisAlert.objects.get(call=call)
    callback = Callback.objects.get(call=call)
    handover = handover_write(actor=operator, note="回访未接通，请下一班再打。", shift_ends_at=now)
    return {
        "call_id": str(call.pk),
        "alert_id": str(alert.pk),
        "callback_id": str(callback.pk),
        "handover_id": str(handover.pk),
    }


def _outreach_world(account, site, case) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """A planned event at the coordinator's site, its series and a calendar feed address; a
    partner with an agreement; a held training with a trainee listed; a group with a participant
    (the counsellor's case, the counsellor facilitating). The ids, and the event_id the
    trainees', import and participants' routes take instead."""
    from outreach import services
    from outreach.models import Event, Partner, Series
    from outreach.topics import ensure_topics

    ensure_topics()
    coordinator, alice = account("outreach"), account("counsellor")
    now = timezone.now()
    series = services.series_create(
        actor=coordinator,
        site=coordinator.site,
        kind=Event.Kind.PARENT_CLASS,
        title="家长课堂",
        topic=first_topic(),
        recurrence=Series.Recurrence.WEEKLY,
        first_starts_at=now + datetime.timedelta(days=1),
        occurrences=2,
    )
    event = series.events.order_by("starts_at").first()
    token = services.calendar_feed_reset(actor=coordinator)
    partner = services.partner_create(
        actor=coordinator, site=coordinator.site, name="社区服务中心", kind=Partner.Kind.COMMUNITY
    )
    agreement = services.agreement_create(
        actor=coordinator,
        partner=partner,
        starts_on=now.date() - datetime.timedelta(days=30),
        ends_on=now.date() + datetime.timedelta(days=30),
        services="心理健康讲座",
    )
    training = services.event_create(
        actor=coordinator,
        site=coordinator.site,
        kind=Event.Kind.TRAINING,
        title="服务人员培训",
        topic=first_topic(),
        starts_at=now - datetime.timedelta(hours=3),
        facilitators=[alice],
    )
    trainee = services.trainee_add(
        actor=coordinator, event=training, name="王老师", organisation="一中"
    )
    group = services.event_create(
        actor=coordinator,
        site=case.site,
        kind=Event.Kind.GROUP_COUNSELLING,
        title="团体辅导",
        topic=first_topic(),
        starts_at=now - datetime.timedelta(hours=2),
        facilitators=[alice],
    )
    participant = services.participant_add(actor=alice, event=group, case=case)
    ids = {
        "event_id": str(event.pk),
        "series_id": str(series.pk),
        "site_id": str(site.pk),
        "token": token,
        "partner_id": str(partner.pk),
        "agreement_id": str(agreement.pk),
        "trainee_id": str(trainee.pk),
        "participant_id": str(participant.pk),
    }
    by_route = {
        "/trainees/": {"event_id": str(training.pk)},
        "/import/": {"event_id": str(training.pk)},
        "/participants/": {"event_id": str(group.pk)},
    }
    return ids, by_route


def first_topic():
    from outreach.models import Topic

    return Topic.objects.order_by("pk").first()


@dataclass(frozen=True)
class Route:
    """A URL pattern of the URL conf, as a template with its parameters' names."""

    template: str  # "counselling/cases/{case_id}/"
    names: tuple[str, ...]

    @property
    def is_api(self) -> bool:
        return self.template.startswith("api/")

    @property
    def is_admin(self) -> bool:
        return self.template.startswith("admin/")


def routes() -> list[Route]:
    """Every pattern of the URL conf, nested includes flattened."""
    found: list[Route] = []
    _walk(get_resolver().url_patterns, "", found)
    return sorted(set(found), key=lambda route: route.template)


def route_paths() -> list[tuple[str, str | None, bool]]:
    """(path, url name, is API) of every pattern of the URL conf, its parameters filled with 1
    (an admin pattern that is a regex may not resolve so filled: no name)."""
    from django.urls import Resolver404, resolve

    found = []
    for route in routes():
        path = "/" + route.template.format(**dict.fromkeys(route.names, "1"))
        try:
            name = resolve(path).url_name
        except Resolver404:
            name = None
        found.append((path, name, route.is_api))
    return found


def _walk(patterns, prefix: str, found: list[Route]) -> None:
    for entry in patterns:
        template = prefix + _template(entry.pattern)
        if isinstance(entry, URLResolver):
            _walk(entry.url_patterns, template, found)
        elif isinstance(entry, URLPattern):
            found.append(Route(template, tuple(re.findall(r"\{(\w+)\}", template))))


def _template(pattern) -> str:
    if isinstance(pattern, RoutePattern):
        return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern))
    if isinstance(pattern, RegexPattern):
        text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", str(pattern))
        return text.lstrip("^").removesuffix("$").removesuffix(r"\Z").replace("\\", "")
    return str(pattern)


def fillings(route: Route, world: World) -> list[dict[str, str]]:
    """The valid values of a route's parameters, then each parameter in turn made hostile (a
    record nobody has, a number beyond any id, another slug)."""
    valid = {name: world.slugs.get(name, [world.ids.get(name, "1")])[0] for name in route.names}
    for marker, values in world.by_route.items():
        if marker in route.template:
            valid |= {name: value for name, value in values.items() if name in route.names}
    return [valid] + [
        {**valid, name: other}
        for name in route.names
        for other in [*world.slugs.get(name, [])[1:], MISSING_ID, HUGE_ID]
    ]


@dataclass
class Failure:
    who: str
    method: str
    path: str
    parameters: object
    what: str

    def __str__(self) -> str:
        shown = json.dumps(self.parameters, ensure_ascii=False, default=repr)
        if len(shown) > 300:
            shown = shown[:300] + "…"
        return f"{self.who} {self.method} /{self.path} {shown}: {self.what}"


class Prober:
    """Sends requests that leave no trace and records every 500."""

    def __init__(self, client, who: str) -> None:
        client.raise_request_exception = True
        self.client = client
        self.who = who
        self.cookies = client.cookies.output(header="", sep=";")
        self.failures: list[Failure] = []
        self.requests = 0

    def send(self, method: str, path: str, *, query=None, data=None, json_body=None):
        self.client.cookies = SimpleCookie(self.cookies)
        self.requests += 1
        parameters = {"query": query, "data": data, "json": json_body}
        try:
            with transaction.atomic():
                response = self._send(method, path, query, data, json_body)
                transaction.set_rollback(True)
        except Exception as error:  # any exception from the view is a 500 to the user
            self.failures.append(
                Failure(self.who, method, path, parameters, f"{type(error).__name__}: {error}")
            )
            return None
        if response.status_code >= 500:
            self.failures.append(
                Failure(self.who, method, path, parameters, f"status {response.status_code}")
            )
        return response

    def _send(self, method, path, query, data, json_body):
        url = "/" + path
        if json_body is not None:
            return self.client.generic(
                method,
                url,
                json.dumps(json_body),
                content_type="application/json",
                QUERY_STRING=_encode(query),
            )
        if method == "GET":
            return self.client.get(url, query or {})
        if method == "POST":
            return self.client.post(url + _query_suffix(query), data or {})
        return self.client.generic(method, url, QUERY_STRING=_encode(query))


def _encode(query) -> str:
    from urllib.parse import urlencode

    return urlencode(query or {}, doseq=True)


def _query_suffix(query) -> str:
    encoded = _encode(query)
    return f"?{encoded}" if encoded else ""


def form_names(response) -> list[str]:
    """The names of the fields of the forms a page shows."""
    if response is None or "html" not in response.get("Content-Type", ""):
        return []
    names = re.findall(rb'name="([^"]+)"', response.content)
    return sorted({name.decode() for name in names} - {"csrfmiddlewaretoken"})


def rotation(names: list[str], values: list, shift: int) -> dict:
    """The values given to the names in turn, starting at `shift`: over `len(values)` shifts
    each name takes every value once, and values meet in many combinations."""
    return {name: values[(index + shift) % len(values)] for index, name in enumerate(names)}


def upload(name: str = "roster.csv", content: bytes = b"\x00\xff" * 10) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)
