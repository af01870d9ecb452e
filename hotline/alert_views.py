"""The crisis board, an alert's page and the rota page (hot2). Reads are audited; the services
decide who may act; a record the user may not see answers 404."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from centre.audit import audit_read
from centre.errors import StaleEditError
from centre.models import Site, User
from centre.permissions import RecordRoleRequiredMixin, RoleRequiredMixin
from centre.roles import Role
from centre.selectors import staff_of_site_tree
from hotline import selectors, services
from hotline.models import CrisisAlert, RotaShift
from hotline.services.alerts import may_handle
from hotline.services.rota import may_edit_rota

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


ROTA_ROLES = frozenset({Role.CRISIS_TEAM, Role.SUPERVISOR, Role.HOTLINE_OPERATOR})


class RotaView(RoleRequiredMixin, View):
    """The week's rota per site of the user's tree, with the gaps of the next 7 days; the site's
    supervisors add and remove shifts here."""

    roles = ROTA_ROLES

    def _context(self, request: HttpRequest) -> dict[str, Any]:
        user = request.user
        home = user.site  # type: ignore[union-attr]
        sites = (
            list(Site.objects.filter(path__startswith=home.path).order_by("path")[:50])
            if home
            else []
        )
        now = timezone.now()
        week = now + datetime.timedelta(days=7)
        shifts = list(
            RotaShift.objects.filter(site__in=sites, ends_at__gt=now, starts_at__lt=week)
            .select_related("person", "site")
            .order_by("site__path", "starts_at", "id")
        )
        return {
            "sites": [
                {
                    "site": site,
                    "shifts": [s for s in shifts if s.site_id == site.pk],
                    "gaps": services.rota_gaps(site, start=now),
                    "editable": may_edit_rota(user, site),  # type: ignore[arg-type]
                }
                for site in sites
            ],
            "people": staff_of_site_tree(site=home, roles=[Role.CRISIS_TEAM, Role.SUPERVISOR]),
        }

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "hotline/rota.html", self._context(request))

    def post(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        try:
            if request.POST.get("do") == "remove":
                if request.POST.get("confirm") != "yes":
                    raise ValidationError(_("Confirm that you want to remove the shift."))
                shift = RotaShift.objects.filter(pk=_int(request.POST.get("shift"))).first()
                if shift is None or not may_edit_rota(user, shift.site):  # type: ignore[arg-type]
                    raise Http404
                services.shift_remove(actor=user, shift=shift)  # type: ignore[arg-type]
            else:
                site = Site.objects.filter(pk=_int(request.POST.get("site"))).first()
                person = User.objects.filter(pk=_int(request.POST.get("person"))).first()
                if site is None or not may_edit_rota(user, site):  # type: ignore[arg-type]
                    raise Http404
                if person is None:
                    raise ValidationError(_("Choose a member of staff of this site."))
                services.shift_add(
                    actor=user,  # type: ignore[arg-type]
                    site=site,
                    person=person,
                    role=request.POST.get("role", ""),
                    starts_at=_moment(request.POST.get("starts_at", "")),
                    ends_at=_moment(request.POST.get("ends_at", "")),
                )
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
            context = self._context(request) | {"typed": request.POST}
            return render(request, "hotline/rota.html", context, status=400)
        return HttpResponseRedirect(reverse("hotline:rota"))


def _int(value: str | None) -> int:
    try:
        number = int(value or "")
    except ValueError:
        return 0
    return number if 0 < number < 2**31 else 0


def _moment(value: str) -> datetime.datetime | None:
    """A datetime-local value in the centre's time; None for anything else (year 1, NUL…)."""
    try:
        moment = datetime.datetime.fromisoformat(value)
        if moment.year < 2000 or moment.year > 2100:
            return None
        return timezone.make_aware(moment) if timezone.is_naive(moment) else moment
    except (ValueError, OverflowError):
        return None
