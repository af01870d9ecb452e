from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBase

from centre.models import User
from centre.roles import Role, has_any_role


class RoleRequiredMixin(LoginRequiredMixin):
    """A page for some roles only (a workspace, not a record: records answer 404 through their
    selectors). Anonymous visitors go to the login page; other roles get 403."""

    roles: frozenset[Role] = frozenset()

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not isinstance(request.user, User):  # anonymous
            return self.handle_no_permission()
        if not has_any_role(request.user, self.roles):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class RecordRoleRequiredMixin(RoleRequiredMixin):
    """A page about one record (a case, a result, an import): to other roles it answers 404, as
    if the record did not exist; anonymous visitors still go to the login page. Which records of
    the roles' the user sees is the `get_<record>_for_user` selector's business (404 too)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if isinstance(request.user, User) and not has_any_role(request.user, self.roles):
            raise Http404
        return super().dispatch(request, *args, **kwargs)
