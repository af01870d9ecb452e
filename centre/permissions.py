from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from centre.roles import Role


class RoleRequiredMixin(LoginRequiredMixin):
    """A page for some roles only (a workspace, not a record: records answer 404 through their
    selectors). Anonymous visitors go to the login page; other roles get 403."""

    roles: frozenset[Role] = frozenset()

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not any(request.user.has_role(role) for role in self.roles):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)
