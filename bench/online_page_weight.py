"""The weight of the online self-assessment's public pages, as a student's phone loads them:
each page's HTML and the CSS, JavaScript and icon it links (all from the portal: a page that
names another host is reported), raw and gzip-compressed (as whitenoise serves them). A page
weight is bytes, not time, but it is measured here with the other figures, never in a test.

    .venv/bin/python bench/online_page_weight.py
"""

from __future__ import annotations

import datetime
import gzip
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common


def linked(html: bytes) -> list[str]:
    """The addresses of what the page makes the browser fetch (stylesheets, scripts, icons)."""
    return [
        address.decode()
        for address in re.findall(rb'<(?:link|script|img)[^>]+(?:href|src)="([^"]+)"', html)
    ]


def static_bytes(address: str) -> bytes:
    from django.conf import settings
    from django.contrib.staticfiles import finders

    if re.match(r"(https?:)?//", address):
        sys.exit(f"a public page asks another host for {address}")
    found = finders.find(address.removeprefix(settings.STATIC_URL))
    if not found:
        sys.exit(f"not a static file of the portal: {address}")
    return Path(str(found)).read_bytes()


def pages() -> list[tuple[str, bytes]]:
    """The public pages in a student's order, from a rolled-back class opened online."""
    from django.core.cache import cache
    from django.db import transaction
    from django.test import Client

    from centre.models import School, User
    from screening import online_questions
    from screening.models import Campaign, Student
    from screening.services import online

    cache.clear()
    shown: list[tuple[str, bytes]] = []
    with transaction.atomic():
        school = School.objects.order_by("pk").first()
        liaison = User.objects.get(username="liaison")
        campaign = Campaign.objects.create(
            school=school,
            name="bench",
            instruments=["PHQ-A", "GAD-7"],
            opens_on=datetime.date(2026, 9, 1),
            closes_on=datetime.date(2026, 12, 31),
            liaison=liaison,
            consent_basis="guardian",
        )
        Student.objects.create(
            school=school,
            student_no="B0000001",
            full_name="测试",
            sex="female",
            grade="八年级",
            class_name="bench班",
            birth_date=datetime.date(2012, 5, 3),
        )
        _window, slips = online.online_open(actor=liaison, campaign=campaign, class_name="bench班")
        client = Client()
        shown.append(("code", client.get("/screening/online/").content))
        shown.append(
            ("wrong code", client.post("/screening/online/", {"code": "ZZZZZZZZZ2"}).content)
        )
        client.post("/screening/online/", {"code": slips[0][1]})
        shown.append(("question", client.get("/screening/online/question/").content))
        for question in online_questions.questions(campaign.instruments):
            client.post("/screening/online/question/", {"key": question.key, "answer": "0"})
        shown.append(("review", client.get("/screening/online/question/").content))
        client.post("/screening/online/submit/")
        shown.append(("thank you", client.get("/screening/online/thanks/").content))
        transaction.set_rollback(True)
    return shown


def main() -> None:
    common.setup_django("bench_portal_onlineattack")
    from centre import demo

    demo.seed(password=None, log=lambda message: None)  # idempotent
    print("\nThe online self-assessment's public pages (bytes; gzip as served)")
    columns = ("HTML", "gzip", "+CSS/JS/icon", "gzip", "total", "gzip")
    print(f"{'page':<12}" + "".join(f"{column:>14}" for column in columns))
    for name, html in pages():
        assets = [static_bytes(address) for address in linked(html)]
        raw_assets = sum(len(asset) for asset in assets)
        zipped_assets = sum(len(gzip.compress(asset)) for asset in assets)
        zipped_html = len(gzip.compress(html))
        figures = (len(html), zipped_html, raw_assets, zipped_assets)
        figures += (len(html) + raw_assets, zipped_html + zipped_assets)
        print(f"{name:<12}" + "".join(f"{figure:>14}" for figure in figures))


if __name__ == "__main__":
    main()
