"""The signed-in request, for the type checker.

django-stubs types `request.user` as `User | AnonymousUser`, which is right for a request in
general but not for a page or endpoint that only a signed-in user reaches. Such a view annotates
its `request` with `SignedInRequest` (a page behind `LoginRequiredMixin`, `RoleRequiredMixin` or
`RecordRoleRequiredMixin`) or `SignedInApiRequest` (an endpoint under DRF's default
`IsAuthenticated` permission, `centre/settings/base.py`): the object Django or DRF passes is the
same, only its `user` is typed `centre.models.User`. This is django-stubs' documented recipe
(an `HttpRequest` subclass with `user: User`); neither class is ever instantiated and nothing
here runs a check. The claim is made only where Django or DRF calls a view's method (mypy
cannot see that call); `tests/centre/test_http.py` checks that every class whose methods take
one of these types signs visitors in first. A helper function that takes one (such as
`counselling.apis.case_and_input`) can only be called with one: mypy checks that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from rest_framework.request import Request

from centre.models import User


class SignedInRequest(HttpRequest):
    """An `HttpRequest` whose visitor has signed in (see the module's docstring)."""

    user: User


class SignedInApiRequest(Request):
    """A DRF `Request` whose visitor has signed in (see the module's docstring)."""

    if TYPE_CHECKING:

        @property
        def user(self) -> User: ...

        @user.setter
        def user(self, value: User) -> None: ...
