"""The client's address behind the documented proxy: the audit log and django-axes take it from
X-Forwarded-For as far as `TRUSTED_PROXY_COUNT` proxies vouch for it, and from REMOTE_ADDR
otherwise."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.db import connection
from django.test import RequestFactory

from centre.audit import client_address
from centre.models import AuditEntry
from tests.support.accounts import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "192.0.2.1"),  # no proxy: the header is the client's word, ignored
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "10.6.6.6, 203.0.113.9", "203.0.113.9"),  # what the client sent is never believed
        (2, "10.6.6.6, 203.0.113.9, 198.51.100.2", "203.0.113.9"),
        (2, "203.0.113.9", "192.0.2.1"),  # fewer hops than proxies: the peer
        (1, "not-an-address", "192.0.2.1"),
        (1, "", "192.0.2.1"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_address_counts_the_trusted_proxies(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


@pytest.mark.parametrize(("proxies", "forwarded"), [(1, "203.0.113.9"), (2, "203.0.113.9")])
def test_the_api_throttle_keys_anonymous_requests_by_the_same_address(settings, proxies, forwarded):
    """DRF's own NUM_PROXIES reading took the forgeable leftmost entry of a header shorter than
    the proxies; the portal's throttle reads `client_address` like the audit log and axes."""
    from rest_framework.request import Request

    from centre.throttling import UserRateThrottle

    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert UserRateThrottle().get_ident(Request(request)) == client_address(request)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def gunicorn(transactional_db):
    """gunicorn on a free port, one proxy trusted, on the test database; its base URL."""
    database = connection.settings_dict
    port = free_port()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.support.gunicorn_settings",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}"
        f"/{database['NAME']}",
        "TRUSTED_PROXY_COUNT": "1",
    }
    process = subprocess.Popen(  # noqa: S603 (our own command line)
        [sys.executable, "-m", "gunicorn", "centre.wsgi", "--workers", "1",
         "--bind", f"127.0.0.1:{port}", "--forwarded-allow-ips", "127.0.0.1"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def wait_until_serving(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.stderr.read().decode())
        try:
            urllib.request.urlopen(f"{base}/login/", timeout=5)  # noqa: S310 (our http://)
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise AssertionError("gunicorn did not answer")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def sign_in(base: str, username: str, password: str, forwarded_for: str) -> int:
    """A browser's sign-in behind the proxy (which appends the client to X-Forwarded-For)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    page = opener.open(f"{base}/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token}
    ).encode()
    headers = {"X-Forwarded-For": forwarded_for}
    request = urllib.request.Request(f"{base}/login/", data=form, headers=headers)  # noqa: S310
    try:
        return opener.open(request).status
    except urllib.error.HTTPError as answer:
        return answer.code


def test_behind_the_proxy_the_audit_log_and_the_lockout_see_the_client(gunicorn, demo_network):
    for number in range(1, 6):
        assert sign_in(gunicorn, "counsellor", "wrong-password", f"203.0.113.{number}") == 200
    # Five addresses, one failure each: the right password from a sixth is not locked out.
    assert sign_in(gunicorn, "counsellor", DEMO_PASSWORD, "10.6.6.6, 203.0.113.6") == 302
    failed = AuditEntry.objects.filter(actor_username="counsellor", result="failed")
    assert sorted(failed.values_list("ip_address", flat=True)) == [
        f"203.0.113.{number}" for number in range(1, 6)
    ]
    signed_in = AuditEntry.objects.get(action="centre.session.login", result="success")
    assert signed_in.ip_address == "203.0.113.6"  # not the 10.6.6.6 the client claimed
    # Five failures from one address still lock that username there, and only there.
    for _attempt in range(5):
        sign_in(gunicorn, "counsellor2", "wrong-password", "198.51.100.7")
    assert sign_in(gunicorn, "counsellor2", DEMO_PASSWORD, "198.51.100.7") == 429
    assert sign_in(gunicorn, "counsellor2", DEMO_PASSWORD, "198.51.100.8") == 302
