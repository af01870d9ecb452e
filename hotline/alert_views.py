"""The crisis board, an alert's page and the rota page (hot2). Reads are audited; the services
decide who may act; a record the user may not see answers 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
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
from hotline.models import CrisisAlert
from hotline.services.alerts import may_handle

BOARD_ROLES = frozenset({Role.CRISIS_TEAM, Role.SUPERVISOR, Role.HOTLINE_OPERATOR})


def _rows(request: HttpRequest) -> list[dict[str, Any]]:
    now = timezone.now()
    alerts = list(selectors.open_alerts_for(user=request.user)[:200])  # type: ignore[arg-type]
    audit_read(request, "hotline.alert.listed", alerts)
    return [
        {
            "alert": alert,
            "minutes": int((now - alert.raised_at).total_seconds() // 60),
            "overdue": alert.status == CrisisAlert.Status.OPEN and alert.acknowledge_by < now,
            "mine": alert.assignee_id == request.user.pk,
        }
        for alert in alerts
    ]


class AlertBoardView(RoleRequiredMixin, View):
    roles = BOARD_ROLES

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "hotline/alert_board.html", {"rows": _rows(request)})


class AlertBoardFragmentView(RoleRequiredMixin, View):
    roles = BOARD_ROLES

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "hotline/_alert_rows.html", {"rows": _rows(request)})


class AlertDetailView(RecordRoleRequiredMixin, View):
    roles = BOARD_ROLES

    def _alert(self, request: HttpRequest, alert_id: int) -> CrisisAlert:
        return selectors.get_alert_for_user(user=request.user, alert_id=alert_id)  # type: ignore[arg-type]

    def get(self, request: HttpRequest, alert_id: int) -> HttpResponse:
        return self._page(request, self._alert(request, alert_id))

    def _page(
        self, request: HttpRequest, alert: CrisisAlert, note: str = "", status: int = 200
    ) -> HttpResponse:
        audit_read(request, "hotline.alert.viewed", alert)  # the page shows it, a form's too
        return render(
            request,
            "hotline/alert_detail.html",
            {
                "alert": alert,
                "events": alert.events.select_related("actor"),
                "may_handle": may_handle(request.user, alert),  # type: ignore[arg-type]
                "note": note,
            },
            status=status,
        )

    def post(self, request: HttpRequest, alert_id: int) -> HttpResponse:
        alert = self._alert(request, alert_id)
        what = request.POST.get("do", "")
        note = request.POST.get("note", "")
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = -1
        try:
            if what == "acknowledge":
                services.acknowledge(actor=request.user, alert=alert, expected_version=version)  # type: ignore[arg-type]
            elif what == "action":
                services.add_action(actor=request.user, alert=alert, note=note)  # type: ignore[arg-type]
            elif what == "close" and request.POST.get("confirm") == "yes":
                services.close(actor=request.user, alert=alert, expected_version=version, note=note)  # type: ignore[arg-type]
            else:
                messages.error(request, _("Confirm that you want to close the alert."))
                return self._page(request, alert, note=note, status=400)
        except PermissionDenied:
            raise
        except StaleEditError:
            messages.error(request, _("Someone else changed this alert: look again."))
            alert.refresh_from_db()
            return self._page(request, alert, note=note, status=409)
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
            return self._page(request, alert, note=note, status=400)
        return HttpResponseRedirect(reverse("hotline:alert", args=[alert.pk]))
