"""The online self-assessment's pages (issue 16): the public flow without JavaScript (a POST per
answer), its refusals, and the liaison's pages, persona by persona."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from screening import online_questions
from screening.models import OnlineSession, ScreeningResult, TrackingTask
from screening.services import online
from tests.screening.test_online import new_student
from tests.support.accounts import sign_in

pytestmark = pytest.mark.usefixtures("fresh_rates")
# Who gets a campaign's online and consent pages (the school's liaison, the site's clinicians),
# and who is answered 404 as if there were no campaign.
CAMPAIGN_PAGE_PERSONAS = [
    ("liaison", 200),
    ("counsellor", 200),
    ("supervisor", 200),
    ("liaison2", 404),
    ("crisis", 404),
    ("operator", 404),
    ("stats", 404),
    ("auditor", 404),
    ("outreach", 404),
]


def start(client, code):
    """Type the slip's code and say "I agree" on the first screen."""
    started = client.post("/screening/online/", {"code": code})
    assert started.status_code == 302
    first = client.get("/screening/online/question/")
    assert first["Location"] == "/screening/online/agree/"
    assert client.post("/screening/online/agree/").status_code == 302
    return started


def answer(client, key, value):
    return client.post("/screening/online/question/", {"key": key, "answer": str(value)})


def test_a_student_answers_every_question_and_sees_no_score(client, online_campaign, slips):
    started = start(client, slips[0])
    assert started["Location"] == "/screening/online/question/"
    asked = online_questions.questions(online_campaign.instruments)
    first = client.get("/screening/online/question/")
    assert f"1 / {len(asked)}" in first.text
    assert 'type="radio"' in first.text
    assert len(first.content) < 8_000  # a slow connection: the README states the weight
    for question in asked:
        value = 2 if question.key == "PHQ-A:9" else 3 if question.key.startswith("PHQ-A") else 0
        assert answer(client, question.key, value).status_code == 302
    review = client.get("/screening/online/question/")
    assert 'id="online-submit-form"' in review.text
    assert client.post("/screening/online/submit/").status_code == 302
    thanks = client.get("/screening/online/thanks/")
    assert 'id="online-help-now"' in thanks.text
    assert "12356" in thanks.text
    result = ScreeningResult.objects.get()
    assert TrackingTask.objects.filter(result=result, kind="crisis").exists()
    visible = re.sub(r"<[^>]+>", " ", thanks.text)
    for word in ("severe", "score", "tier", "Level", "orange", "重度", "分数"):
        assert word not in visible, word
    assert str(result.phq_total) not in re.sub(r"<[^>]+>", " ", thanks.text).split()
    # a second submit (the back button, a retried request) changes nothing
    assert client.post("/screening/online/submit/").status_code == 302
    assert ScreeningResult.objects.count() == 1


def test_a_student_resumes_with_the_same_code(client, online_campaign, slips):
    start(client, slips[1])
    answer(client, "PHQ-A:1", 1)
    answer(client, "PHQ-A:2", 2)
    client.cookies.clear()  # a flat battery: a new browser
    client.post("/screening/online/", {"code": slips[1].lower()})
    page = client.get("/screening/online/question/")
    assert "3 / " in page.text
    assert OnlineSession.objects.get().answers == {"PHQ-A:1": 1, "PHQ-A:2": 2}


def test_the_pages_script_gets_the_next_question_in_the_answers_own_response(
    client, online_campaign, slips
):
    """portal.js sends X-Online-Step: the answer's response is the next question (a 200, one
    request a question), the review page after the last; a bad answer is the same question with
    its error; a window closed meanwhile is still a redirect to its page."""
    start(client, slips[0])
    asked = online_questions.questions(online_campaign.instruments)
    step = {"HTTP_X_ONLINE_STEP": "next"}
    for number, question in enumerate(asked, start=1):
        sent = {"key": question.key, "answer": "0"}
        page = client.post("/screening/online/question/", sent, **step)
        assert page.status_code == 200
        if number < len(asked):
            assert f"{number + 1} / {len(asked)}" in page.text
            assert f'value="{asked[number].key}"' in page.text
    assert 'id="online-submit-form"' in page.text
    assert OnlineSession.objects.get().answers == {q.key: 0 for q in asked}
    bad = client.post("/screening/online/question/", {"key": asked[0].key, "answer": "9"}, **step)
    assert bad.status_code == 400
    assert 'role="alert"' in bad.text

    classmate = Client()
    start(classmate, slips[1])
    window = OnlineSession.objects.get(code__code_hash=online.code_hash(slips[1])).code.window
    online.online_close(actor=online_campaign.liaison, window=window)
    sent = {"key": asked[0].key, "answer": "0"}
    refused = classmate.post("/screening/online/question/", sent, **step)
    assert refused.status_code == 400
    assert 'id="online-refused"' in refused.text  # the page the script puts in place
    assert OnlineSession.objects.get(code__window=window, answers={}) is not None


def test_an_answer_is_required_and_a_bad_one_is_refused(client, online_campaign, slips):
    start(client, slips[0])
    missing = client.post("/screening/online/question/", {"key": "PHQ-A:1"})
    assert missing.status_code == 400
    assert 'role="alert"' in missing.text
    assert answer(client, "PHQ-A:1", 9).status_code == 400
    assert client.post("/screening/online/submit/").status_code == 302
    assert not ScreeningResult.objects.exists()


def test_wrong_used_and_closed_codes_get_a_clear_page(client, online_campaign, slips):
    wrong = client.post("/screening/online/", {"code": "AAAAA BBBBB"})
    assert wrong.status_code == 400
    assert 'id="online-code-form"' in wrong.text
    start(client, slips[0])
    for question in online_questions.questions(online_campaign.instruments):
        answer(client, question.key, 0)
    client.post("/screening/online/submit/")
    client.cookies.clear()
    used = client.post("/screening/online/", {"code": slips[0]})
    assert used.status_code == 400
    assert 'id="online-refused"' in used.text

    window = OnlineSession.objects.get().code.window
    sign_in(client, "liaison")
    unconfirmed = client.post(f"/screening/online/windows/{window.pk}/close/")
    assert unconfirmed.status_code == 302
    window.refresh_from_db()
    assert window.closed_at is None
    client.post(f"/screening/online/windows/{window.pk}/close/", {"confirm": "yes"})
    client.logout()
    closed = client.post("/screening/online/", {"code": slips[1]})
    assert closed.status_code == 400
    assert 'id="online-refused"' in closed.text


def test_codes_are_rate_limited(client, online_campaign, slips, settings):
    from django.core.cache import cache

    cache.clear()
    statuses = [
        client.post("/screening/online/", {"code": "WRONGCODE2"}).status_code for _ in range(21)
    ]
    assert statuses[:20] == [400] * 20
    assert statuses[20] == 429
    cache.clear()


def test_the_liaison_sees_progress_counts_never_answers(client, online_campaign, slips):
    start(client, slips[0])
    answer(client, "PHQ-A:1", 3)
    sign_in(client, "liaison")
    page = client.get(f"/screening/campaigns/{online_campaign.pk}/")
    row = re.search(r'<table id="online-progress"[^>]*>.*?</table>', page.text, re.S).group(0)
    cells = re.findall(r'<td data-count="\w+">(\d+)</td>', row)
    assert cells == ["0", "1", "1", "0"]  # submitted, started, not yet, screened by roster


@pytest.mark.parametrize(
    ("username", "status"),
    CAMPAIGN_PAGE_PERSONAS,
)
def test_opening_online_persona_matrix(client, online_campaign, username, status):
    new_student(online_campaign.school)
    sign_in(client, username)
    response = client.post(
        f"/screening/campaigns/{online_campaign.pk}/online/", {"class_name": "3班"}
    )
    assert response.status_code == status
    assert ("slip-code" in response.text) == (status == 200)


def test_the_slips_sheet_has_a_print_button_hidden_in_print(client, online_campaign):
    new_student(online_campaign.school)
    sign_in(client, "liaison")
    page = client.post(f"/screening/campaigns/{online_campaign.pk}/online/", {"class_name": "3班"})
    assert "请现在打印本页" in page.text
    head = page.text.split('<div class="page-head no-print">', 1)[1].split("</div>", 1)[0]
    # portal.js's handler (data-print): no inline script under the content security policy
    assert (
        '<button type="button" class="print-button" data-print id="slips-print">打印</button>'
        in head
    )
    assert "onclick" not in page.text


def test_the_campaign_page_heads_each_class_form(client, online_campaign):
    """Two class selects, each under its own heading with its own button (consent slips, and
    opening a class online): a walkthrough read them as one form."""
    new_student(online_campaign.school)
    sign_in(client, "liaison")
    page = client.get(f"/screening/campaigns/{online_campaign.pk}/").text
    groups = re.findall(r'<section class="form-group"[^>]*>(.*?)</section>', page, re.S)
    assert len(groups) == 2
    consent, opening = groups
    assert "<h3" in consent
    assert "监护人同意回执" in consent
    assert 'id="consent-class-form"' in consent
    assert "记录同意回执" in consent
    assert "<h3" in opening
    assert "开放班级线上测评" in opening
    assert 'id="online-open-form"' in opening
    assert "开放线上测评并打印纸条" in opening


def test_the_slips_are_never_shown_anonymously(client, online_campaign):
    new_student(online_campaign.school)
    response = client.post(
        f"/screening/campaigns/{online_campaign.pk}/online/", {"class_name": "3班"}
    )
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_a_campaign_is_created_with_its_consent_basis(client, account):
    from centre.models import School
    from screening.models import Campaign

    sign_in(client, "liaison")
    school = School.objects.get(code="SCH-0101")
    fields = {
        "school": school.pk,
        "name": "2027 春季筛查",
        "instruments": ["PHQ-A", "GAD-7"],
        "opens_on": "2027-03-01",
        "closes_on": "2027-04-30",
        "liaison": account("liaison").pk,
        "phq_referral_cutoff": "10",
    }
    refused = client.post("/screening/", {**fields, "consent_basis": "nobody"})
    assert refused.status_code == 400
    assert client.post("/screening/", {**fields, "consent_basis": "by_age"}).status_code == 302
    campaign = Campaign.objects.get(name="2027 春季筛查")
    assert campaign.consent_basis == "by_age"


@pytest.mark.parametrize(
    ("username", "status"),
    [("liaison", 302), ("counsellor", 302), ("liaison2", 404), ("crisis", 404), ("stats", 404)],
)
def test_recording_the_consent_basis_persona_matrix(client, campaign, username, status):
    sign_in(client, username)
    response = client.post(f"/screening/campaigns/{campaign.pk}/consent/", {"basis": "guardian"})
    assert response.status_code == status
    campaign.refresh_from_db()
    assert campaign.consent_basis == ("guardian" if status == 302 else "")


def test_a_bad_consent_basis_is_refused_and_withdrawing_stops_starts(client, online_campaign):
    sign_in(client, "liaison")
    client.post(f"/screening/campaigns/{online_campaign.pk}/consent/", {"basis": "\x00"})
    online_campaign.refresh_from_db()
    assert online_campaign.consent_basis == "guardian"
    page = client.get(f"/screening/campaigns/{online_campaign.pk}/")
    assert 'id="consent-form"' in page.text
    client.post(f"/screening/campaigns/{online_campaign.pk}/consent/", {"basis": ""})
    online_campaign.refresh_from_db()
    assert online_campaign.consent_basis == ""
