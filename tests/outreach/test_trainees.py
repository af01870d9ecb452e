"""The trainees of a training: the head count typed, the optional list by name and
organisation (added, removed after a confirmation), the count never below the list, and the
`trainees` figure counting trainee-times — persona by persona."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from centre.models import AuditEntry, Site
from outreach import services, statistics
from outreach.models import Event, Topic, Trainee

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(account):
    return account("outreach")


def topic():
    return Topic.objects.get_or_create(
        code="crisis-recognition", defaults={"name_zh": "危机识别", "name_en": "Crisis"}
    )[0]


def make_event(site, by, kind=Event.Kind.TRAINING, status=Event.Status.HELD, **fields):
    return Event.objects.create(
        site=site,
        kind=kind,
        title="社工培训",
        topic=topic(),
        starts_at=fields.pop("starts_at", timezone.now() - datetime.timedelta(hours=3)),
        status=status,
        created_by=by,
        **fields,
    )


@pytest.fixture
def training(coordinator, k01):
    return make_event(k01, coordinator)


def trainees_url(event):
    return reverse("outreach:trainees", args=[event.pk])


def test_listing_trainees_raises_the_count_and_a_lower_count_is_refused(
    client, coordinator, training
):
    client.force_login(coordinator)
    assert client.get(trainees_url(training)).status_code == 200
    for name, organisation in (("张三", "东湖社区"), ("李四", "区教育局"), ("王五", "")):
        added = client.post(
            trainees_url(training), {"action": "add", "name": name, "organisation": organisation}
        )
        assert added.status_code == 302
    training.refresh_from_db()
    assert training.trainees_count == 3
    assert list(training.trainees.values_list("name", "organisation")) == [
        ("张三", "东湖社区"),
        ("李四", "区教育局"),
        ("王五", ""),
    ]
    page = client.get(trainees_url(training)).content.decode()
    assert "李四" in page
    assert "区教育局" in page
    assert "受训人员名单" in page  # zh-hans by default
    client.cookies["portal_language"] = "en"
    assert "Trainees listed" in client.get(trainees_url(training)).content.decode()
    assert AuditEntry.objects.filter(action="outreach.trainee.listed").exists()
    lower = client.post(
        trainees_url(training),
        {"action": "count", "version": training.version, "trainees_count": 2},
    )
    assert lower.status_code == 400
    assert 'value="2"' in lower.content.decode()  # what was typed is kept
    higher = client.post(
        trainees_url(training),
        {"action": "count", "version": training.version, "trainees_count": 45},
    )
    assert higher.status_code == 302
    training.refresh_from_db()
    assert training.trainees_count == 45
    stale = client.post(
        trainees_url(training),
        {"action": "count", "version": training.version - 1, "trainees_count": 50},
    )
    assert stale.status_code == 409
    training.refresh_from_db()
    assert training.trainees_count == 45


def test_a_count_alone_without_names_is_kept(client, coordinator, training):
    client.force_login(coordinator)
    saved = client.post(
        trainees_url(training),
        {"action": "count", "version": training.version, "trainees_count": 60},
    )
    assert saved.status_code == 302
    training.refresh_from_db()
    assert (training.trainees_count, training.trainees.count()) == (60, 0)


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", ""), ("name", "名" * 101), ("name", "张\x00三"), ("organisation", "单" * 201)],
)
def test_bad_trainee_input_is_a_400(client, coordinator, training, field, value):
    client.force_login(coordinator)
    data = {"action": "add", "name": "张三", "organisation": "东湖社区"}
    data[field] = value
    assert client.post(trainees_url(training), data).status_code == 400
    assert not training.trainees.exists()


@pytest.mark.parametrize("count", ["-1", "100001", "²", "1.5", "x" * 1000])
def test_a_bad_count_is_a_400(client, coordinator, training, count):
    client.force_login(coordinator)
    posted = client.post(
        trainees_url(training),
        {"action": "count", "version": training.version, "trainees_count": count},
    )
    assert posted.status_code == 400


def test_a_control_character_in_a_service_call_is_refused(coordinator, training):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.trainee_add(actor=coordinator, event=training, name="张\x07三")


def test_removing_a_trainee_asks_first_and_keeps_the_count(client, coordinator, training):
    trainee = services.trainee_add(actor=coordinator, event=training, name="张三")
    client.force_login(coordinator)
    remove = reverse("outreach:trainee_remove", args=[training.pk, trainee.pk])
    confirm = client.get(remove)
    assert confirm.status_code == 200
    assert "张三" in confirm.content.decode()
    assert Trainee.objects.filter(pk=trainee.pk).exists()
    assert client.post(remove).status_code == 302
    assert not Trainee.objects.filter(pk=trainee.pk).exists()
    training.refresh_from_db()
    assert training.trainees_count == 1
    assert client.post(remove).status_code == 404


def test_only_a_training_not_cancelled_has_trainees(client, coordinator, k01):
    lecture = make_event(k01, coordinator, kind=Event.Kind.SCHOOL_LECTURE)
    cancelled = make_event(k01, coordinator, status=Event.Status.CANCELLED)
    client.force_login(coordinator)
    assert client.get(trainees_url(lecture)).status_code == 404
    refused = client.post(trainees_url(cancelled), {"action": "add", "name": "张三"})
    assert refused.status_code == 400
    assert not cancelled.trainees.exists()


def test_the_trainees_figure_counts_trainee_times_of_held_trainings(coordinator, k01):
    start = timezone.now() - datetime.timedelta(days=2)
    held = make_event(k01, coordinator, starts_at=start)
    services.trainees_count_set(actor=coordinator, event=held, expected_version=1, count=30)
    listed = make_event(k01, coordinator, starts_at=start)
    for name in ("甲", "乙", "丙"):
        services.trainee_add(actor=coordinator, event=listed, name=name)
    planned = make_event(k01, coordinator, status=Event.Status.PLANNED, starts_at=start)
    planned.trainees_count = 99
    planned.save()
    window = (start - datetime.timedelta(days=40), timezone.now() + datetime.timedelta(days=1))
    months = statistics.monthly(start=window[0], end=window[1], site_path=k01.path)
    assert sum(month.get("trainees", 0) for month in months.values()) == 33
    assert sum(month.get("trainings", 0) for month in months.values()) == 2


def test_personas(client, account, coordinator, training, staff_at, k01):
    trainee = services.trainee_add(actor=coordinator, event=training, name="张三")
    pages = [
        trainees_url(training),
        reverse("outreach:trainee_remove", args=[training.pk, trainee.pk]),
    ]
    facilitator = account("counsellor")
    training.facilitators.add(facilitator)
    city = staff_at("city-outreach", "outreach_coordinator", "CITY")
    for user in (coordinator, account("supervisor"), city, facilitator):
        client.force_login(user)
        for url in pages:
            assert client.get(url).status_code == 200, (user.username, url)
    other_county = Site.objects.get(code="K02")
    far = staff_at("far-outreach", "outreach_coordinator", other_county.code)
    not_facilitating = account("counsellor2")
    missing = reverse("outreach:trainees", args=[999_999_999])
    for user in (far, not_facilitating, *(account(name) for name in ("liaison", "stats"))):
        client.force_login(user)
        for url in [*pages, missing]:
            assert client.get(url).status_code == 404, (user.username, url)
        assert client.post(pages[0], {"action": "add", "name": "李四"}).status_code == 404
        assert client.post(pages[1]).status_code == 404
    for username in ("operator", "crisis", "auditor", "admin"):
        client.force_login(account(username))
        assert client.get(pages[0]).status_code == 404, username
    assert list(training.trainees.values_list("name", flat=True)) == ["张三"]
    client.logout()
    assert client.get(pages[0]).status_code == 302
