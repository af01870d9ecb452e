"""The services' errors answered in one place each: the API's exception handler and the pages'
ServiceFormMixin (400 with the errors on the form, 409 for a conflict, 404 passed through)."""

from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation

from centre.api import exception_handler
from centre.errors import ConflictError, NotFoundError, ServiceError, StaleEditError
from centre.forms import ServiceFormMixin, refusal_message
from centre.versioning import StaleEditError as VersioningStaleEditError


class NoteForm(forms.Form):
    title = forms.CharField(max_length=20)
    body = forms.CharField(required=False)


def bound_form(**data) -> NoteForm:
    return NoteForm({"title": "标题", "body": "写了很多字", **data})


def refuse(error: Exception):
    def call():
        raise error

    return call


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_stale_edits_and_duplicates_are_conflicts_and_conflicts_service_errors():
    assert VersioningStaleEditError is StaleEditError
    assert issubclass(StaleEditError, ConflictError)
    assert issubclass(ConflictError, ServiceError)
    assert issubclass(NotFoundError, Http404)  # a page raising it answers 404 as Django does
    assert (ServiceError().status, ConflictError().status, NotFoundError().status) == (
        400,
        409,
        404,
    )
    assert StaleEditError().code == "stale_version"


def test_an_error_never_carries_its_message_into_logs():
    assert str(ServiceError("王小明的名字", code="named")) == "named"


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (StaleEditError(), 409, "stale_version"),
        (ConflictError(code="duplicate_thing"), 409, "duplicate_thing"),
        (ServiceError("Not now.", code="too_early"), 400, "too_early"),
        (NotFoundError(), 404, "not_found"),
    ],
)
def test_the_api_answers_a_service_error_with_its_status_code_and_message(error, status, code):
    response = exception_handler(error, {})
    assert response.status_code == status
    assert response.data["code"] == code
    assert response.data["detail"] == str(error.message)


def test_the_api_adds_what_the_error_carries():
    error = ConflictError(code="duplicate_client")
    error.extra["client"] = 7
    assert exception_handler(error, {}).data["client"] == 7


def test_the_api_answers_validation_errors_field_by_field_and_permission_denied_403():
    response = exception_handler(ValidationError({"title": "Too long."}), {})
    assert (response.status_code, response.data) == (400, {"title": ["Too long."]})
    response = exception_handler(ValidationError("Not like this."), {})
    assert (response.status_code, response.data) == (400, {"detail": ["Not like this."]})
    assert exception_handler(PermissionDenied(), {}).status_code == 403
    assert exception_handler(Http404(), {}).status_code == 404


def test_a_page_saves_and_hands_back_what_the_service_returned():
    outcome = ServiceFormMixin().submit(bound_form(), lambda: 42)
    assert (outcome.saved, outcome.status, outcome.value) == (True, 200, 42)


def test_an_invalid_form_is_400_and_the_service_is_not_called():
    called = []
    form = bound_form(title="")
    outcome = ServiceFormMixin().submit(form, lambda: called.append(1))
    assert (outcome.saved, outcome.status, called) == (False, 400, [])
    assert form.data["body"] == "写了很多字"


def test_a_validation_error_goes_on_its_field_and_an_unknown_field_above_the_form():
    form = bound_form()
    error = ValidationError({"title": "Taken.", "elsewhere": "Not here."})
    outcome = ServiceFormMixin().submit(form, refuse(error))
    assert outcome.status == 400
    assert form.errors["title"] == ["Taken."]
    assert form.non_field_errors() == ["Not here."]


def test_a_stale_edit_is_409_with_the_page_message_and_what_was_typed_kept():
    form = bound_form()
    outcome = ServiceFormMixin().submit(form, refuse(StaleEditError()))
    assert (outcome.status, outcome.conflict) == (409, True)
    assert "The form below shows what you typed" in form.non_field_errors()[0]
    assert form["body"].value() == "写了很多字"


def test_a_service_error_is_its_status_with_its_message_on_the_form():
    form = bound_form()
    outcome = ServiceFormMixin().submit(form, refuse(ServiceError("Not now.", code="too_early")))
    assert outcome.status == 400
    assert form.non_field_errors() == ["Not now."]
    assert refusal_message(outcome) == "Not now."


def test_a_record_not_found_is_not_caught_by_the_page():
    with pytest.raises(Http404):
        ServiceFormMixin().submit(bound_form(), refuse(NotFoundError()))
    with pytest.raises(PermissionDenied):
        ServiceFormMixin().submit(bound_form(), refuse(PermissionDenied()))


def test_a_button_without_a_form_gets_the_reason_for_its_message():
    outcome = ServiceFormMixin.call_service(None, refuse(ValidationError("Already undone.")))
    assert (outcome.status, refusal_message(outcome)) == (400, "Already undone.")
