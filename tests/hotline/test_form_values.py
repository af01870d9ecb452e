"""Values a hostile or careless operator types on the call form answer with the field's
message, never a 500."""

from __future__ import annotations

import pytest

from tests.support.accounts import sign_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("phone", ["²138", "138\x000000", "x" * 10_000, "\\N"])
def test_a_phone_no_gateway_can_dial_is_refused_on_its_field(client, operator, make_call, phone):
    call = make_call(operator)
    sign_in(client, "operator")
    answer = client.post(
        f"/hotline/calls/{call.pk}/edit/",
        {"contact_type": "child_about_self", "caller_phone": phone, "version": call.version},
    )
    assert answer.status_code == 400
    assert "caller_phone" in answer.context["form"].errors
    call.refresh_from_db()
    assert call.caller_phone_hash == ""
