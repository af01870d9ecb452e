"""The callbacks page (hot3): the open callbacks the user sees, mine first then the site's,
overdue first, each with its outcome form. The read is audited; 404 outside one's callbacks."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from centre.audit import audit_read
from centre.errors import StaleEditError
from centre.permissions import RecordRoleRequiredMixin, RoleRequiredMixin
from centre.roles import Role
from hotline import selectors, services

CALLBACK_ROLES = frozenset({Role.SUPERVISOR, Role.HOTLINE_OPERATOR})


def _page(request: HttpRequest, *, typed: dict | None = None, status: int = 200) -> HttpResponse:
    rows = selectors.due_callbacks_for(user=request.user)  # type: ignore[arg-type]
    audit_read(request, "hotline.callback.listed", rows)
    return render(
        request,
        "hotline/callbacks.html",
        {"callbacks": rows, "now": timezone.now(), "typed": typed or {}},
        status=status,
    )


class CallbackListView(RoleRequiredMixin, View):
    roles = CALLBACK_ROLES

    def get(self, request: HttpRequest) -> HttpResponse:
        return _page(request)


class CallbackOutcomeView(RecordRoleRequiredMixin, View):
    roles = CALLBACK_ROLES

    def post(self, request: HttpRequest, callback_id: int) -> HttpResponse:
        callback = selectors.get_callback_for_user(user=request.user, callback_id=callback_id)  # type: ignore[arg-type]
        note = request.POST.get("note", "")
        typed = {"id": callback.pk, "note": note, "status": request.POST.get("status", "")}
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = -1
        try:
            services.record_outcome(
                actor=request.user,  # type: ignore[arg-type]
                callback=callback,
                status=request.POST.get("status", ""),
                note=note,
                expected_version=version,
            )
        except StaleEditError:
            messages.error(request, _("Someone else changed this callback: look again."))
            return _page(request, typed=typed, status=409)
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
            return _page(request, typed=typed, status=400)
        messages.success(request, _("The callback's outcome is saved."))
        return HttpResponseRedirect(reverse("hotline:callbacks"))
