"""The browser-side controls: a Content-Security-Policy that allows nothing inline and nothing
from another host, a Permissions-Policy that turns every device off, templates that need
nothing more, the API's schema and docs for signed-in staff only, and `check --deploy` clean
under the production settings. The browser test (tests/browser/test_content_security_policy.py)
opens every main page under this policy."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

import pytest

from centre.settings.environment import new_field_key
from tests.support.accounts import sign_in
from tests.support.process import ROOT, run_python

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}
DEVICES_OFF = ["camera", "microphone", "geolocation", "payment", "usb", "display-capture"]


def directives(header: str) -> dict[str, str]:
    return dict(part.strip().split(None, 1) for part in header.split(";") if part.strip())


@pytest.mark.parametrize(
    ("who", "url", "status"),
    [
        (None, "/login/", 200),
        (None, "/screening/online/", 200),
        (None, "/static/centre/portal.css", 200),
        (None, "/counselling/cases/999999999/", 302),
        ("counsellor", "/counselling/today/", 200),
        ("counsellor", "/counselling/cases/999999999/", 404),
        ("counsellor", "/api/v1/me/", 200),
        ("stats", "/statistics/", 200),
        ("admin", "/admin/", 200),
    ],
)
def test_every_answer_carries_the_policies(client, demo_network, who, url, status):
    if who:
        sign_in(client, who)
    response = client.get(url)
    assert response.status_code == status
    assert directives(response.headers["Content-Security-Policy"]) == POLICY
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    features = response.headers["Permissions-Policy"].split(", ")
    assert all(feature.endswith("=()") for feature in features)
    assert {feature.removesuffix("=()") for feature in features} >= set(DEVICES_OFF)
    # Django's own headers stay: nosniff, the referrer, and on pages (WhiteNoise answers static
    # files before that middleware) the frame refusal for browsers without CSP level 2.
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # The public pages (a code's session on a shared computer) send no referrer at all.
    public = url.startswith("/screening/online/")
    assert response.headers["Referrer-Policy"] == ("no-referrer" if public else "same-origin")
    if not url.startswith("/static/"):
        assert response.headers["X-Frame-Options"] == "DENY"


# What the policy refuses in a page: an inline script (a <script> without src), a <style>
# element, a style attribute, an event-handler attribute, a javascript: address.
INLINE = {
    "inline script": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I),
    "style element": re.compile(r"<style[\s>]", re.I),
    "style attribute": re.compile(r"<[a-z][^>]*\sstyle=", re.I),
    "event handler": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I),
    "javascript: address": re.compile(r"(href|src|action)=[\"']?\s*javascript:", re.I),
}


def inline_code(text: str) -> list[str]:
    return [kind for kind, pattern in INLINE.items() if pattern.search(text)]


def test_the_inline_patterns_find_what_the_policy_refuses():
    assert inline_code('<p onclick="go()">') == ["event handler"]
    assert inline_code('<span style="width: 5%">') == ["style attribute"]
    assert inline_code("<style>p{}</style>") == ["style element"]
    assert inline_code("<script>go()</script>") == ["inline script"]
    assert inline_code('<a href="javascript:go()">') == ["javascript: address"]
    clean = '<script src="/static/a.js" defer></script><p class="online" data-confirm="x">'
    assert inline_code(clean) == []


def test_no_template_holds_inline_script_or_style():
    templates = sorted(Path(ROOT, "templates").rglob("*.html"))
    assert len(templates) > 50
    found = {
        str(path.relative_to(ROOT)): inline_code(path.read_text(encoding="utf-8"))
        for path in templates
    }
    assert {path: kinds for path, kinds in found.items() if kinds} == {}


def test_the_api_schema_and_docs_are_for_signed_in_staff_only(client, demo_network):
    assert client.get("/api/v1/schema/").status_code == 404
    assert client.get("/api/v1/schema/?format=json").status_code == 404
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 302
    assert docs.headers["Location"] == "/login/?next=/api/v1/docs/"
    assert client.get("/api/v1/docs/?script=").status_code == 302
    sign_in(client, "liaison")  # any role: every account of the portal is the centre's staff
    assert client.get("/api/v1/schema/").status_code == 200
    assert client.get("/api/v1/docs/").status_code == 200


def test_the_api_docs_load_their_script_and_styles_from_this_host(client, demo_network):
    sign_in(client, "counsellor")
    docs = client.get("/api/v1/docs/")
    # Swagger UI's icons are data: images: allowed there, and nothing else widened.
    assert directives(docs.headers["Content-Security-Policy"]) == {
        **POLICY,
        "img-src": "'self' data:",
    }
    page = docs.content.decode()
    assert inline_code(page) == []
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert all(script.startswith("/") and not script.startswith("//") for script in scripts)
    assert "/static/centre/api_docs.css" in page
    init = client.get(next(script for script in scripts if "script=" in script))
    assert init.status_code == 200
    assert init.headers["Content-Type"].startswith("application/javascript")
    assert '"validatorUrl": null' in init.content.decode()  # no badge from validator.swagger.io


def test_check_deploy_is_clean_under_the_production_settings(tmp_path):
    """The Makefile's `check-deploy`, as `make test` runs it: DEBUG off behind TLS."""
    # Not the test run's own settings, nor the async escape tests/conftest.py sets for Playwright.
    test_only = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {key: value for key, value in os.environ.items() if key not in test_only}
    environment.update(
        PORTAL_SKIP_DOTENV="1",
        PORTAL_VAR_DIR=str(tmp_path),
        DEBUG="false",
        HTTPS="true",
        ALLOWED_HOSTS="portal.example.cn",
        SECRET_KEY=secrets.token_urlsafe(50),
        FIELD_ENCRYPTION_KEYS=new_field_key(),
        FIELD_INDEX_KEY=new_field_key(),
        DJANGO_SETTINGS_MODULE="centre.settings.base",
    )
    finished = run_python(
        "manage.py", "check", "--deploy", "--fail-level", "WARNING", env=environment
    )
    assert finished.returncode == 0, finished.stderr
    assert "no issues" in finished.stdout
    makefile = Path(ROOT, "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^test: .*\bcheck-deploy\b", makefile, re.M)
