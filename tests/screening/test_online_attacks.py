"""The online self-assessment's public pages under attack (issue 16's abuse list): hostile values,
session fixation and stealing, enumeration, rate limits (X-Forwarded-For, parallel requests
over real HTTP), CSRF, the back button, the window or the consent ending mid-form, the
liaison's pages for outsiders, and what the thank-you page and every response give away."""

from __future__ import annotations

import datetime
import http.client
import logging
import re
import threading
import urllib.parse
from http.cookies import SimpleCookie

import pytest
from django.test import Client
from django.utils import timezone

from centre.models import AuditEntry
from screening import online_questions
from screening.models import ConsentBasis, OnlineSession, OnlineWindow, ScreeningResult
from screening.services import online
from tests.hostile import HOSTILE
from tests.screening.test_online import guardians_agree, new_student
from tests.support.accounts import sign_in

START, AGREE, QUESTION, SUBMIT, THANKS = (
    "/screening/online/",
    "/screening/online/agree/",
    "/screening/online/question/",
    "/screening/online/submit/",
    "/screening/online/thanks/",
)
PUBLIC = [START, AGREE, QUESTION, SUBMIT, THANKS]
# What a student must never read about their answers, anywhere in a response.
RESULT_WORDS = re.compile(
    r"score|tier|band|severe|moderate|mild|orange|yellow|red\b|level|分数|得分|重度|中度|轻度|预警"
    r"|红色|橙色|黄色|phq|gad|<!--",
    re.IGNORECASE,
)


# The tries counted per address and per code start from nothing in each test.
pytestmark = pytest.mark.usefixtures("fresh_rates")


@pytest.fixture
def codes(online_campaign, account):
    """3班 opened online for two students: their codes, as printed."""
    students = [new_student(online_campaign.school) for _ in range(2)]
    guardians_agree(online_campaign, *students)
    _window, slips = online.online_open(
        actor=account("liaison"), campaign=online_campaign, class_name="3班"
    )
    return [code for _student, code in slips]


def begin_on(client, code):
    """Type the slip's code and say "I agree" on the first screen."""
    started = client.post(START, {"code": code})
    client.post(AGREE)
    return started


def asked(campaign):
    return online_questions.questions(campaign.instruments)


def answer(client, key, value):
    return client.post(QUESTION, {"key": key, "answer": str(value)})


def answer_all(client, campaign, value=0):
    for question in asked(campaign):
        assert answer(client, question.key, value).status_code == 302


def crisis_answers(client, campaign):
    """Answers with item 9 (help now) and totals no page could show by chance (19 and 14)."""
    for question in asked(campaign):
        value = 3 if question.key == "PHQ-A:9" else 0 if question.key.startswith("supp") else 2
        assert answer(client, question.key, value).status_code == 302
    client.post(SUBMIT)


def says(response, message) -> bool:
    """Whether the page shows `message` in the portal's language (Chinese, the default)."""
    from django.utils import translation
    from django.utils.html import escape

    with translation.override("zh-hans"):
        return escape(translation.gettext(str(message))) in response.text


def session_of(code) -> OnlineSession | None:
    return OnlineSession.objects.filter(code__code_hash=online.code_hash(code)).first()


# Hostile values, methods and shapes


def test_no_hostile_value_method_or_shape_causes_a_500(client, online_campaign, codes):
    client.raise_request_exception = True
    for value in HOSTILE:
        assert client.post(START, {"code": value}).status_code in {400, 429}
    assert client.post(START, {}).status_code == 400
    assert client.post(START, {"code": ["X", codes[0]]}).status_code == 302  # the last one
    assert client.post(AGREE).status_code == 302
    for method in ("head", "options", "put", "patch", "delete", "trace"):
        for path in PUBLIC:
            assert getattr(client, method)(path).status_code < 500, (method, path)
    keys = [q.key for q in asked(online_campaign)]
    before = dict(session_of(codes[0]).answers)
    for value in [*HOSTILE, "٣", "３", "³", "-1", "4", "99999999999999999999", "1.0", " 1", "true"]:
        for key in [keys[0], value, "GAD-7:99", "SDQ:1", "supplementary:lifetime_attempt"]:
            response = client.post(QUESTION, {"key": key, "answer": value})
            assert response.status_code in {302, 400}, (key, value)
        assert client.get(QUESTION, {"n": value}).status_code == 200
    repeated = client.post(QUESTION, {"key": [keys[0], keys[1]], "answer": ["9", "1"]})
    assert repeated.status_code in {302, 400}
    assert client.post(QUESTION, {"key": keys[0]}).status_code == 400  # no answer
    assert client.post(QUESTION, {"answer": "1"}).status_code == 302  # no key: the question
    stored = session_of(codes[0]).answers
    assert set(stored) <= set(keys)
    assert all(type(value) is int for value in stored.values())
    assert set(stored) - set(before) <= {keys[1]}
    assert client.post(SUBMIT, {"session": "1", "answers": "x" * 10_000}).status_code == 302
    assert not ScreeningResult.objects.exists()


def test_a_question_of_another_instrument_or_an_answer_not_offered_is_never_kept(
    client, online_campaign, codes
):
    begin_on(client, codes[0])
    for key, value in [("SDQ:1", 0), ("PHQ-9:1", 0), ("GAD-7:8", 0), ("PHQ-A:9", 4)]:
        answer(client, key, value)
    answer(client, "GAD-7:1", "٣")  # an Arabic-Indic 3: not the 3 offered
    answer(client, "GAD-7:2", "３")  # a full-width 3
    assert session_of(codes[0]).answers == {}


def test_a_question_further_than_the_first_unanswered_is_not_shown(client, online_campaign, codes):
    begin_on(client, codes[0])
    for wanted in ("5", "٥", "²", "0", "-1", "1e3"):
        page = client.get(QUESTION, {"n": wanted})
        assert "1 / " in page.text, wanted


# Sessions: fixation, stealing, one student answering for another


def test_the_session_id_changes_when_a_code_starts_and_when_the_answers_are_sent(
    client, online_campaign, codes
):
    client.get(START)
    client.session.save()  # an attacker's planted session id
    planted = client.cookies["sessionid"].value
    begin_on(client, codes[0])
    started = client.cookies["sessionid"].value
    assert started != planted
    answer_all(client, online_campaign)
    client.post(SUBMIT)
    assert client.cookies["sessionid"].value != started
    thief = Client()
    thief.cookies["sessionid"] = started  # the cookie copied before the answers were sent
    assert thief.get(THANKS).status_code == 302
    assert thief.get(QUESTION)["Location"] == START
    assert thief.post(QUESTION, {"key": "PHQ-A:1", "answer": "3"}).status_code == 302
    assert session_of(codes[0]).answers["PHQ-A:1"] == 0


def test_a_session_id_in_the_url_or_a_guessed_one_opens_nothing(client, online_campaign, codes):
    owner = Client()
    begin_on(owner, codes[0])
    session_key = owner.cookies["sessionid"].value
    for query in ({"sessionid": session_key}, {"session": session_of(codes[0]).pk}):
        assert client.get(QUESTION, query)["Location"] == START
    client.cookies["sessionid"] = session_key[:-1] + ("a" if session_key[-1] != "a" else "b")
    assert client.get(QUESTION)["Location"] == START


def test_the_next_student_on_the_same_browser_learns_nothing_of_the_last(
    client, online_campaign, codes
):
    """A school's computer room: one browser, one student after another. The thank-you page is
    shown once; the back button and a reload show no answers and whether help was offered."""
    begin_on(client, codes[0])
    crisis_answers(client, online_campaign)
    thanks = client.get(THANKS)
    assert 'id="online-help-now"' in thanks.text
    again = client.get(THANKS)
    assert again.status_code == 302
    assert again["Location"] == START
    assert client.get(QUESTION)["Location"] == START
    assert client.get(QUESTION, {"n": "1"})["Location"] == START
    begin_on(client, codes[1])
    page = client.get(QUESTION)
    assert "checked" not in page.text
    assert "1 / " in page.text


def test_a_student_answers_only_for_their_own_code(client, online_campaign, codes):
    begin_on(client, codes[0])
    answer(client, "PHQ-A:1", 3)
    begin_on(client, codes[1])
    answer(client, "PHQ-A:1", 1)
    assert session_of(codes[0]).answers == {"PHQ-A:1": 3}
    assert session_of(codes[1]).answers == {"PHQ-A:1": 1}


# Enumeration: of codes and students


def test_a_wrong_code_looks_the_same_whatever_its_shape(client, online_campaign, codes):
    """Neither the status nor the page tells a code never issued from a code of the wrong
    shape, and no page names a student or their class."""
    typed = ("ZZZZZ ZZZZZ", "Z", "??", codes[0][:9])
    pages = [client.post(START, {"code": wrong}) for wrong in typed]
    assert {page.status_code for page in pages} == {400}
    bodies = {re.sub(r'value="[^"]*"', "", page.text) for page in pages}
    bodies = {re.sub(r'name="csrfmiddlewaretoken"[^>]*', "", body) for body in bodies}
    assert len(bodies) == 1
    begin_on(client, codes[0])
    student = session_of(codes[0]).code.student
    for path in (QUESTION, START):
        text = client.get(path).text
        assert student.full_name not in text
        assert student.student_no not in text
        assert student.class_name not in text


def test_used_closed_and_not_yet_open_codes_get_a_clear_page_naming_no_one(
    client, online_campaign, codes, account
):
    begin_on(client, codes[0])
    answer_all(client, online_campaign)
    client.post(SUBMIT)
    used = Client().post(START, {"code": codes[0]})
    window = OnlineWindow.objects.get()
    window.opens_at = timezone.now() + datetime.timedelta(hours=1)
    window.save()
    not_yet = Client().post(START, {"code": codes[1]})
    online.online_close(actor=account("liaison"), window=window)
    closed = Client().post(START, {"code": codes[1]})
    for page in (used, not_yet, closed):
        assert page.status_code == 400
        assert 'id="online-refused"' in page.text
        for student in (session_of(codes[0]).code.student,):
            assert student.full_name not in page.text
    assert says(used, "This code has already been used.")
    assert says(not_yet, "This code does not work yet.")
    assert says(closed, online.EXPIRED)


# Rate limits


def test_the_address_limit_stops_a_brute_force_of_codes(client, online_campaign, codes, settings):
    settings.REST_FRAMEWORK = rates(address="5/hour", code="20/hour")
    statuses = [client.post(START, {"code": f"ZZZZZZZZZ{n}"}).status_code for n in range(2, 9)]
    assert statuses == [400] * 5 + [429] * 2
    # The right code is refused too from that address: the attacker learns nothing by it.
    assert client.post(START, {"code": codes[0]}).status_code == 429
    assert session_of(codes[0]) is None


def test_x_forwarded_for_does_not_reset_the_address_limit(client, online_campaign, settings):
    settings.REST_FRAMEWORK = rates(address="5/hour", code="20/hour")
    for proxies in (0, 1):
        settings.TRUSTED_PROXY_COUNT = proxies
        from django.core.cache import cache

        cache.clear()
        statuses = [
            client.post(
                START,
                {"code": f"ZZZZZZZZZ{n}"},
                # the client's own entry, left of the one the proxy appends (or no proxy at all)
                HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 198.51.100.7",
            ).status_code
            for n in range(2, 9)
        ]
        assert statuses == [400] * 5 + [429] * 2, proxies


def test_the_code_limit_holds_from_many_addresses(client, online_campaign, codes, settings):
    settings.REST_FRAMEWORK = rates(address="200/hour", code="3/hour")
    statuses = [
        client.post(START, {"code": "ZZZZZ ZZZZZ"}, REMOTE_ADDR=f"10.0.1.{n}").status_code
        for n in range(5)
    ]
    assert statuses == [400] * 3 + [429] * 2
    # the same code spelt otherwise is the same code
    assert client.post(START, {"code": "zzzzz-zzzzz"}, REMOTE_ADDR="10.0.2.1").status_code == 429


def test_a_class_behind_one_address_is_not_locked_out_by_its_own_starts(
    client, online_campaign, account, settings
):
    """Fifty students behind the school's one address each start (and resume) with their
    right code: only wrong codes count against the address."""
    settings.REST_FRAMEWORK = rates(address="5/hour", code="20/hour")
    students = [new_student(online_campaign.school, class_name="5班") for _ in range(8)]
    guardians_agree(online_campaign, *students)
    _window, slips = online.online_open(
        actor=account("liaison"), campaign=online_campaign, class_name="5班"
    )
    for _student, code in slips:
        assert Client().post(START, {"code": code}).status_code == 302
    assert Client().post(START, {"code": "ZZZZZZZZZ2"}).status_code == 400


def rates(*, address: str, code: str) -> dict:
    from django.conf import settings

    return {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "online_address": address,
            "online_code": code,
        },
    }


def test_parallel_tries_over_real_http_do_not_beat_the_limit(live_server, settings):
    """Forty wrong codes sent at once by a threaded server: the count is kept atomically, so no
    more than the limit get an answer other than 429."""
    settings.REST_FRAMEWORK = rates(address="10/hour", code="20/hour")
    from django.core.cache import cache

    cache.clear()
    host = urllib.parse.urlsplit(live_server.url).netloc
    connection = http.client.HTTPConnection(host)
    connection.request("GET", START)
    first = connection.getresponse()
    first.read()
    cookies = SimpleCookie()
    for header in first.headers.get_all("Set-Cookie"):
        cookies.load(header)
    token = cookies["csrftoken"].value
    statuses: list[int] = []
    barrier = threading.Barrier(40)

    def attack(number: int) -> None:
        fields = {"code": f"ZZZZZZZ{number:03d}", "csrfmiddlewaretoken": token}
        body = urllib.parse.urlencode(fields)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={token}",
        }
        barrier.wait()
        for _attempt in range(10):  # the test server's short listen queue resets some
            try:
                connection = http.client.HTTPConnection(host, timeout=30)
                connection.request("POST", START, body, headers)
                statuses.append(connection.getresponse().status)
            except ConnectionError:
                continue
            return

    threads = [threading.Thread(target=attack, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(statuses) == 40
    assert statuses.count(429) >= 30, sorted(statuses)


# CSRF, double and retried submits


def test_every_step_needs_the_csrf_token(online_campaign, codes, account):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(START, {"code": codes[0]}).status_code == 403
    assert session_of(codes[0]) is None
    # the real start, with the token the page gave
    page = strict.get(START)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    assert strict.post(START, {"code": codes[0], "csrfmiddlewaretoken": token}).status_code == 302
    assert strict.post(QUESTION, {"key": "PHQ-A:1", "answer": "3"}).status_code == 403
    assert strict.post(SUBMIT).status_code == 403
    assert session_of(codes[0]).answers == {}
    sign_in(strict, "liaison")
    window = OnlineWindow.objects.get()
    campaign_page = f"/screening/campaigns/{online_campaign.pk}/"
    assert strict.post(f"{campaign_page}consent/", {"basis": ""}).status_code == 403
    assert strict.post(f"{campaign_page}online/", {"class_name": "3班"}).status_code == 403
    close = f"/screening/online/windows/{window.pk}/close/"
    assert strict.post(close, {"confirm": "yes"}).status_code == 403
    online_campaign.refresh_from_db()
    window.refresh_from_db()
    assert online_campaign.consent_basis == ConsentBasis.GUARDIAN
    assert window.closed_at is None
    assert OnlineWindow.objects.count() == 1


def test_a_step_refused_for_its_token_gets_the_portals_page_in_its_language(online_campaign):
    """Not Django's technical page (English layout, inline style, "set DEBUG=True")."""
    from django.utils import translation

    strict = Client(enforce_csrf_checks=True)
    with translation.override("zh-hans"):
        refused = strict.post(START, {"code": "ZZZZZZZZZ2"})
    assert refused.status_code == 403
    assert 'id="form-refused"' in refused.text
    assert "表单未能提交" in refused.text
    assert f'href="{START}"' in refused.text
    assert "DEBUG" not in refused.text
    assert not re.search(rb"<style|\sstyle=", refused.content)


def test_a_retried_or_doubled_submit_stores_one_result(client, online_campaign, codes):
    begin_on(client, codes[0])
    answer_all(client, online_campaign)
    copy = Client()
    copy.cookies = SimpleCookie(client.cookies.output(header="", sep=";"))
    assert client.post(SUBMIT).status_code == 302
    assert copy.post(SUBMIT).status_code == 302  # the same request retried by the browser
    assert client.post(SUBMIT).status_code == 302  # the back button, then send again
    assert ScreeningResult.objects.count() == 1
    entries = AuditEntry.objects.filter(action="screening.online.submitted")
    assert entries.count() == 1


# The window, the consent, the class ending mid-form


def test_the_window_closing_mid_form_stops_answers_and_the_submit(
    client, online_campaign, codes, account
):
    begin_on(client, codes[0])
    answer_all(client, online_campaign)
    online.online_close(actor=account("liaison"), window=OnlineWindow.objects.get())
    for response in (client.get(QUESTION), answer(client, "PHQ-A:1", 1), client.post(SUBMIT)):
        assert response.status_code == 400
        assert 'id="online-refused"' in response.text
    assert not ScreeningResult.objects.exists()


def test_the_window_running_out_mid_form_stops_the_submit(client, online_campaign, codes):
    begin_on(client, codes[0])
    answer_all(client, online_campaign)
    OnlineWindow.objects.update(closes_at=timezone.now() - datetime.timedelta(seconds=1))
    response = client.post(SUBMIT)
    assert response.status_code == 400
    assert says(response, online.EXPIRED)
    assert not ScreeningResult.objects.exists()


def test_consent_withdrawn_mid_form_stops_answers_and_the_submit(
    client, online_campaign, codes, account
):
    begin_on(client, codes[0])
    answer_all(client, online_campaign)
    online.campaign_record_consent(actor=account("liaison"), campaign=online_campaign, basis="")
    for response in (client.get(QUESTION), answer(client, "PHQ-A:1", 1), client.post(SUBMIT)):
        assert response.status_code == 403  # the kind "ask your teacher" page
        assert 'id="online-refused"' in response.text
        assert says(response, online.NO_CONSENT)
    assert not ScreeningResult.objects.exists()
    assert session_of(codes[0]).submitted_at is None


def test_a_campaign_or_student_with_codes_cannot_be_deleted_mid_form(
    client, online_campaign, codes
):
    from django.db import transaction
    from django.db.models import ProtectedError

    begin_on(client, codes[0])
    student = session_of(codes[0]).code.student
    for record in (online_campaign, student):
        with pytest.raises(ProtectedError), transaction.atomic():
            record.delete()
    answer_all(client, online_campaign)
    assert client.post(SUBMIT).status_code == 302
    assert ScreeningResult.objects.get().student_id == student.pk


def test_the_old_code_of_a_reopened_class_is_refused_and_the_new_one_counts_once(
    client, online_campaign, codes, account
):
    window = OnlineWindow.objects.get()
    begin_on(client, codes[0])
    answer(client, "PHQ-A:1", 2)
    online.online_close(actor=account("liaison"), window=window)
    _new_window, slips = online.online_open(
        actor=account("liaison"), campaign=online_campaign, class_name="3班"
    )
    old = Client().post(START, {"code": codes[0]})
    assert old.status_code == 400
    assert says(old, online.EXPIRED)
    student = session_of(codes[0]).code.student
    new_code = next(code for someone, code in slips if someone.pk == student.pk)
    fresh = Client()
    assert fresh.post(START, {"code": new_code}).status_code == 302
    assert "1 / " in fresh.get(QUESTION).text  # a new code: a new start
    answer_all(fresh, online_campaign)
    assert fresh.post(SUBMIT).status_code == 302
    assert ScreeningResult.objects.filter(student=student).count() == 1


# The liaison's pages, for outsiders


@pytest.mark.parametrize("username", ["liaison2", "crisis", "operator", "stats", "auditor"])
def test_outsiders_get_404_and_change_nothing_on_the_liaisons_online_pages(
    client, online_campaign, codes, username
):
    window = OnlineWindow.objects.get()
    sign_in(client, username)
    campaign_page = f"/screening/campaigns/{online_campaign.pk}/"
    close = f"/screening/online/windows/{window.pk}/close/"
    for response in (
        client.get(campaign_page),
        client.post(f"{campaign_page}online/", {"class_name": "3班"}),
        client.post(f"{campaign_page}consent/", {"basis": ""}),
        client.post(close, {"confirm": "yes"}),
    ):
        assert response.status_code == 404
        assert "slip-code" not in response.text
        assert "online-progress" not in response.text
    online_campaign.refresh_from_db()
    window.refresh_from_db()
    assert online_campaign.consent_basis == ConsentBasis.GUARDIAN
    assert window.closed_at is None
    assert OnlineWindow.objects.count() == 1


def test_an_anonymous_visitor_is_sent_to_sign_in_and_changes_nothing(
    client, online_campaign, codes
):
    window = OnlineWindow.objects.get()
    campaign_page = f"/screening/campaigns/{online_campaign.pk}/"
    for response in (
        client.get(campaign_page),
        client.post(f"{campaign_page}online/", {"class_name": "3班"}),
        client.post(f"{campaign_page}consent/", {"basis": ""}),
        client.post(f"/screening/online/windows/{window.pk}/close/", {"confirm": "yes"}),
        client.post("/screening/online/windows/987654321/close/", {"confirm": "yes"}),
    ):
        assert response.status_code == 302
        assert "/login/" in response["Location"]
    online_campaign.refresh_from_db()
    window.refresh_from_db()
    assert online_campaign.consent_basis == ConsentBasis.GUARDIAN
    assert window.closed_at is None


# What every response gives away


def test_the_thank_you_page_gives_no_result_anywhere(client, online_campaign, codes):
    begin_on(client, codes[0])
    crisis_answers(client, online_campaign)
    thanks = client.get(THANKS)
    assert thanks.status_code == 200
    result = ScreeningResult.objects.get()
    # Not the clock's headers: their hour or day may equal a score by chance.
    headers = "\n".join(
        f"{name}: {value}"
        for name, value in thanks.headers.items()
        if name not in {"Date", "Expires", "Last-Modified"}
    )
    # Nor the static files' addresses: their content hashes may hold a score's digits.
    page = re.sub(r'(href|src)="[^"]*"', "", thanks.text)
    for text in (page, headers):
        assert not RESULT_WORDS.search(text), RESULT_WORDS.search(text)
        for number in {result.phq_total, result.gad_total} - {None}:
            assert not re.search(rf"(?<![\d.]){number}(?![\d.])", re.sub(r"12356|120", "", text))
    assert result.tier not in thanks.text


def test_public_pages_are_never_cached_leak_no_referrer_and_allow_no_inline_code(
    client, online_campaign, codes
):
    pages = [client.get(START), client.post(START, {"code": "ZZZZZZZZZ2"})]
    pages.append(client.post(START, {"code": codes[0]}))
    pages.append(client.get(QUESTION))
    answer_all(client, online_campaign)
    pages.append(client.get(QUESTION))  # the review
    pages.append(client.post(SUBMIT))
    pages.append(client.get(THANKS))
    for page in pages:
        assert "no-store" in page["Cache-Control"], page.request["PATH_INFO"]
        assert page["Referrer-Policy"] == "no-referrer"
        policy = page["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy
        assert not re.search(rb"<script(?![^>]*\bsrc=)|\sstyle=|\son\w+=", page.content)


def test_no_code_in_a_url_a_header_the_audit_or_a_log(client, online_campaign, codes, caplog):
    caplog.set_level(logging.DEBUG)
    code = codes[0]
    spaced = f"{code[:5]} {code[5:]}"
    responses = [client.post(START, {"code": spaced}), client.get(QUESTION)]
    answer_all(client, online_campaign)
    responses += [client.post(SUBMIT), client.get(THANKS)]
    for response in responses:
        location = response.get("Location", "")
        assert code not in location
        assert code not in str(response.headers)
        assert code not in response.text
        assert spaced not in response.text
    assert code not in caplog.text
    assert spaced not in caplog.text
    for entry in AuditEntry.objects.filter(action__startswith="screening.online"):
        assert code not in str(entry.__dict__)


def test_every_submission_is_audited_with_its_address(client, online_campaign, codes):
    begin_on(client, codes[0])
    answer_all(client, online_campaign)
    client.post(SUBMIT)
    session = session_of(codes[0])
    submitted = AuditEntry.objects.get(action="screening.online.submitted")
    assert submitted.target_id == str(session.pk)
    assert submitted.ip_address == "127.0.0.1"


def test_no_public_page_asks_another_host_for_anything(client, online_campaign, codes):
    pages = [client.get(START).content]
    begin_on(client, codes[0])
    pages.append(client.get(QUESTION).content)
    answer_all(client, online_campaign)
    pages.append(client.get(QUESTION).content)
    client.post(SUBMIT)
    pages.append(client.get(THANKS).content)
    for content in pages:
        addresses = re.findall(rb'(?:src|href|action)="([^"]*)"', content)
        assert addresses
        for address in addresses:
            assert not re.match(rb"(https?:)?//", address), address
