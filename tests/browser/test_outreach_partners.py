"""The outreach coordinator on a phone (390 px), in Chinese and English: adds a partner and an
agreement that ends within 60 days (listed as expiring), lists a trainee of a training at the
door and imports the training's sign-in sheet — every page without sideways scroll."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.support.browser import BROWSER_DB, screenshot

pytestmark = [pytest.mark.browser, BROWSER_DB]

WIDTH = 390


def fits(page, name: str) -> None:
    screenshot(page, name)
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, name


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_partners_trainees_and_a_sign_in_sheet_on_a_phone(browser, live_server, sign_in, language):
    from centre.models import Site, User
    from outreach.models import Event, Partner, Topic
    from outreach.topics import ensure_topics

    ensure_topics()
    coordinator = User.objects.get(username="outreach")
    k01 = Site.objects.get(code="K01")
    training = Event.objects.create(
        site=k01,
        kind=Event.Kind.TRAINING,
        title="社区工作者心理健康培训",
        topic=Topic.objects.filter(active=True).first(),
        starts_at=timezone.now() - datetime.timedelta(hours=1),
        status=Event.Status.HELD,
        created_by=coordinator,
    )
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": WIDTH, "height": 844},
        is_mobile=True,
        locale="zh-CN" if language == "zh-hans" else "en-US",
    )
    context.add_cookies([{"name": "portal_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, "outreach")

    page.goto("/outreach/partners/")
    fits(page, f"outreach-{language}-partners-empty")
    page.click("#new-partner")
    page.fill("#id_name", "湖滨街道社区居委会")
    page.select_option("#id_kind", "community")
    page.fill("#id_contact_person", "陈主任")
    page.fill("#id_contact_phone", "027-88886666")
    fits(page, f"outreach-{language}-partner-new")
    page.click("#partner-form button[type=submit]")
    page.wait_for_selector("#partner-details")
    partner = Partner.objects.get(name="湖滨街道社区居委会")
    page.click("#new-agreement")
    today = timezone.localdate()
    page.fill("#id_starts_on", today.isoformat())
    page.fill("#id_ends_on", (today + datetime.timedelta(days=30)).isoformat())
    page.fill("#id_services", "心理健康讲座、居民团体辅导")
    page.click("#agreement-form button[type=submit]")
    page.wait_for_selector("#agreements [data-agreement]")
    fits(page, f"outreach-{language}-partner")
    page.goto("/outreach/partners/")
    expiring = page.locator("#expiring").inner_text()
    assert "湖滨街道社区居委会" in expiring
    fits(page, f"outreach-{language}-partners")

    page.goto(f"/outreach/events/{training.pk}/trainees/")
    page.fill("#id_name", "刘洋")
    page.fill("#id_organisation", "湖滨街道")
    page.click("#trainee-form button[type=submit]")
    page.wait_for_selector("#trainees [data-trainee]")
    assert page.locator("#trainees-count").inner_text() == "1"
    fits(page, f"outreach-{language}-trainees")

    page.goto(f"/outreach/events/{training.pk}/import/")
    sheet = "姓名,单位,身份\n刘洋,湖滨街道,工作人员\n周敏,东湖社区,工作人员\n,东湖社区,其他\n"
    page.set_input_files(
        "#id_file",
        files=[{"name": "签到表.csv", "mimeType": "text/csv", "buffer": sheet.encode("gbk")}],
    )
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-report")
    assert page.locator("#trainees-added").inner_text() == "1"
    assert page.locator("#bad-rows").inner_text() == "1"
    assert page.locator("#errors tbody tr").count() == 1
    fits(page, f"outreach-{language}-import-report")
    training.refresh_from_db()
    assert (training.trainees_count, training.staff) == (2, 2)
    assert partner.agreements.count() == 1
    context.close()
