"""The hotline's pages: calls (hot1); the crisis board, an alert's page and the rota page
(hot2); the callbacks page (hot3). Reads are audited; the services decide who may act; a record
the user may not see answers 404."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from centre import views as centre_views
from centre.audit import audit_read
from centre.errors import ServiceError, StaleEditError
from centre.forms import ServiceFormMixin, refusal_message
from centre.http import SignedInRequest
from centre.paging import keyset_page
from centre.permissions import RecordRoleRequiredMixin, RoleRequiredMixin
from centre.roles import Role
from centre.selectors import staff_of_site_tree
from hotline import forms, selectors, services
from hotline.caller import caller_hash
from hotline.models import Call, CrisisAlert
from hotline.services.alerts import may_handle
from hotline.services.rota import may_edit_rota


class WorkspaceView(centre_views.WorkspaceView):
    roles = frozenset({Role.HOTLINE_OPERATOR, Role.CRISIS_TEAM, Role.SUPERVISOR})
    title = gettext_lazy("Hotline")
    description = gettext_lazy(
        "The 24-hour hotline: call logs, suicide-risk triage and crisis alerts that the crisis "
        "team acknowledges."
    )


# Calls
OPERATORS = frozenset({Role.HOTLINE_OPERATOR})
CALL_READERS = frozenset({Role.HOTLINE_OPERATOR, Role.SUPERVISOR, Role.CRISIS_TEAM})
CALL_EDITORS = frozenset({Role.HOTLINE_OPERATOR, Role.SUPERVISOR})


class CallNewView(ServiceFormMixin, RoleRequiredMixin, View):
    """Pick-up: "New call" makes the draft on the server, its timer starting now."""

    roles = OPERATORS

    def get(self, request: SignedInRequest) -> HttpResponse:
        return render(request, "hotline/call_new.html", {"channels": Call.Channel.choices})

    def post(self, request: SignedInRequest) -> HttpResponse:
        channel = request.POST.get("channel") or Call.Channel.PHONE
        outcome = self.call_service(
            None, lambda: services.call_start(actor=request.user, channel=channel)
        )
        if not outcome.saved:
            messages.error(request, refusal_message(outcome))
            return redirect("hotline:call-new")
        return redirect("hotline:call-edit", call_id=outcome.value.pk)


class CallEditView(ServiceFormMixin, RecordRoleRequiredMixin, View):
    """The call form: a draft while the call goes on (autosaved), or a saved call's edit."""

    roles = CALL_EDITORS

    def _call(self, request: SignedInRequest, call_id: int) -> Call:
        call = selectors.get_call_for_user(user=request.user, call_id=call_id)
        if not selectors.may_change_call(user=request.user, call=call):
            raise PermissionDenied
        return call

    def get(self, request: SignedInRequest, call_id: int) -> HttpResponse:
        call = self._call(request, call_id)
        audit_read(request, "hotline.call.viewed", call)
        form = forms.CallForm(initial=forms.CallForm.initial_for(call))
        return self._render(request, call, form)

    def post(self, request: SignedInRequest, call_id: int) -> HttpResponse:
        call = self._call(request, call_id)
        erasing_saved = call.status == Call.Status.SAVED and call.is_data_contact
        form = forms.CallForm(request.POST, erasing_saved=erasing_saved)
        outcome = self.submit(
            form,
            lambda: services.call_save(actor=request.user, call=call, **form.service_arguments()),
        )
        if outcome.saved:
            messages.success(request, _("The call is saved."))
            for warning in services.high_risk_warnings(outcome.value):
                messages.warning(request, warning)
            return redirect("hotline:call", call_id=call.pk)
        if outcome.conflict:
            call.refresh_from_db()
        return self._render(request, call, form, status=outcome.status)

    def _render(
        self, request: SignedInRequest, call: Call, form: forms.CallForm, status: int = 200
    ) -> HttpResponse:
        context = {
            "call": call,
            "form": form,
            "cssrs_fields": [form[f"cssrs_{name}"] for name in services.calls.CSSRS_FIELDS],
            "actions_by_risk": json.dumps(
                {risk: list(actions) for risk, actions in services.ACTIONS_BY_RISK.items()}
            ),
            "is_draft": call.status == Call.Status.DRAFT,
        }
        return render(request, "hotline/call_form.html", context, status=status)


class CallDraftView(RecordRoleRequiredMixin, View):
    """The form's autosave (a same-origin fetch POST with the CSRF token): JSON in, JSON out."""

    roles = OPERATORS
    http_method_names = ["post"]

    def post(self, request: SignedInRequest, call_id: int) -> HttpResponse:
        call = selectors.get_own_draft_for_user(user=request.user, call_id=call_id)
        fields: dict[str, Any] = {}
        for name in services.calls.DRAFT_FIELDS:
            if name in ("actions", "referrals"):
                if name in request.POST:
                    fields[name] = request.POST.getlist(name)
            elif name in ("callback_wanted", "callback_consent"):
                fields[name] = request.POST.get(name) == "on"
            elif name == "cssrs_answers":
                fields[name] = {
                    q: {"yes": True, "no": False}[request.POST[f"cssrs_{q}"]]
                    for q in services.calls.CSSRS_FIELDS
                    if request.POST.get(f"cssrs_{q}") in ("yes", "no")
                }
            elif name in request.POST:
                fields[name] = request.POST[name]
        try:
            services.call_draft_update(actor=request.user, call=call, fields=fields)
        except ServiceError as error:  # saved meanwhile: the autosave arrived too late
            return JsonResponse({"detail": str(error)}, status=409)
        return JsonResponse({"saved_at": timezone.now().isoformat()})


class CallerLookupView(RoleRequiredMixin, View):
    """Repeat callers: the number comes in a POST body, is hashed at once and never stored,
    logged or echoed; the answer is what the operator's site tree knows of that hash."""

    roles = OPERATORS
    http_method_names = ["post"]

    def post(self, request: SignedInRequest) -> HttpResponse:
        hashed = caller_hash(request.POST.get("phone", "")[:40].replace("\x00", ""))
        history = selectors.caller_history(user=request.user, caller_hash=hashed)
        audit_read(request, "hotline.call.searched", history["calls"])
        return JsonResponse(
            {
                "count": history["count"],
                "calls": [
                    {
                        "date": timezone.localtime(call.started_at).strftime("%Y-%m-%d %H:%M"),
                        "risk": call.get_risk_display() if call.risk else _("Not asked"),
                    }
                    for call in history["calls"]
                ],
                "open_callbacks": history["open_callbacks"],
                "flagged_until": (
                    timezone.localtime(history["flagged_until"]).strftime("%Y-%m-%d %H:%M")
                    if history["flagged_until"]
                    else None
                ),
            }
        )


class CallListView(RoleRequiredMixin, View):
    roles = CALL_READERS

    def get(self, request: SignedInRequest) -> HttpResponse:
        calls = selectors.call_list_for(user=request.user).select_related("site", "operator")
        page = keyset_page(calls, request.GET, order=("started_at", "id"), per_page=50)
        audit_read(request, "hotline.call.listed", page.object_list)
        context = {
            "page": page,
            "calls": page.object_list,
            "unread_handovers": selectors.unread_handover_count(user=request.user),
        }
        return render(request, "hotline/call_list.html", context)


class CallDetailView(ServiceFormMixin, RecordRoleRequiredMixin, View):
    roles = CALL_READERS

    def get(self, request: SignedInRequest, call_id: int) -> HttpResponse:
        call = selectors.get_call_for_user(user=request.user, call_id=call_id)
        audit_read(request, "hotline.call.viewed", call)
        return self._render(request, call)

    def post(self, request: SignedInRequest, call_id: int) -> HttpResponse:
        """Flag the caller abusive for some days, link the call to a case of its site tree, or
        record its mandatory report (its operator or a supervisor)."""
        call = selectors.get_call_for_user(user=request.user, call_id=call_id)
        if not selectors.may_change_call(user=request.user, call=call):
            raise PermissionDenied
        forms_shown: dict[str, Any] = {}
        action = request.POST.get("action", "flag")
        if action == "link":
            link_form = forms.CaseLinkForm(request.POST)
            forms_shown["link_form"] = link_form
            outcome = self.submit(
                link_form,
                lambda: services.call_link_case(
                    actor=request.user,
                    call=call,
                    case=selectors.get_linkable_case(
                        call=call, case_id=link_form.cleaned_data["case_number"]
                    ),
                ),
            )
            done = _("The call is linked to the case.")
        elif action == "report":
            report_form = forms.MandatoryReportForm(request.POST)
            forms_shown["report_form"] = report_form
            outcome = self.submit(
                report_form,
                lambda: services.mandatory_report_record(
                    actor=request.user, call=call, **report_form.cleaned_data
                ),
            )
            done = _("The mandatory report is recorded.")
        else:
            flag_form = forms.CallerFlagForm(request.POST)
            forms_shown["flag_form"] = flag_form
            outcome = self.submit(
                flag_form,
                lambda: services.caller_flag_set(
                    actor=request.user, call=call, days=flag_form.cleaned_data["days"]
                ),
            )
            done = _("The caller is flagged.")
        if outcome.saved:
            messages.success(request, done)
            return redirect("hotline:call", call_id=call.pk)
        return self._render(request, call, status=outcome.status, **forms_shown)

    def _render(
        self, request: SignedInRequest, call: Call, status: int = 200, **forms_shown: Any
    ) -> HttpResponse:
        context = {
            "call": call,
            "issues": list(call.issues.all()),
            "flag_form": forms_shown.get("flag_form") or forms.CallerFlagForm(),
            "link_form": forms_shown.get("link_form") or forms.CaseLinkForm(),
            "report_form": forms_shown.get("report_form") or forms.MandatoryReportForm(),
            "report": selectors.mandatory_report_of(call=call),
            "may_change": selectors.may_change_call(user=request.user, call=call),
            "warnings": services.high_risk_warnings(call),
        }
        return render(request, "hotline/call_detail.html", context, status=status)


class CallOpenCaseView(ServiceFormMixin, RecordRoleRequiredMixin, View):
    """The green channel from a call: the reduced intake, for the call's operator or a
    supervisor of its site tree; the case goes to a counsellor of the actor's sites."""

    roles = CALL_EDITORS

    def _call(self, request: SignedInRequest, call_id: int) -> Call:
        call = selectors.get_call_for_user(user=request.user, call_id=call_id)
        if not selectors.may_change_call(user=request.user, call=call):
            raise PermissionDenied
        return call

    def get(self, request: SignedInRequest, call_id: int) -> HttpResponse:
        call = self._call(request, call_id)
        if call.case_id is not None:  # nothing to fill in: the save would be refused
            messages.info(request, _("This call is already linked to a case."))
            return redirect("hotline:call", call_id=call.pk)
        return self._render(request, call, forms.GreenChannelForm(site=request.user.site))

    def post(self, request: SignedInRequest, call_id: int) -> HttpResponse:
        call = self._call(request, call_id)
        form = forms.GreenChannelForm(request.POST, site=request.user.site)
        outcome = self.submit(
            form,
            lambda: services.call_open_case(
                actor=request.user,
                call=call,
                counsellor=form.cleaned_data["counsellor"],
                intake=form.intake(),
            ),
        )
        if outcome.saved:
            messages.success(
                request,
                _("Case %(number)s is open (green channel) for its counsellor.")
                % {"number": outcome.value.pk},
            )
            return redirect("hotline:call", call_id=call.pk)
        return self._render(request, call, form, status=outcome.status)

    @staticmethod
    def _render(
        request: SignedInRequest, call: Call, form: forms.GreenChannelForm, status: int = 200
    ) -> HttpResponse:
        audit_read(request, "hotline.call.viewed", call)  # the page names the call and its risk
        context = {"call": call, "form": form, "risk": services.case_risk_of(call)}
        return render(request, "hotline/call_open_case.html", context, status=status)


# Alerts, rota, crisis board
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
            elif what == "close":
                messages.error(request, _("Confirm that you want to close the alert."))
                return self._page(request, alert, note=note, status=400)
            else:  # a forged or stale form: nothing is done, and the page says so
                messages.error(request, _("Choose what to do with the alert."))
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
        sites = selectors.rota_sites_for(user=user)  # type: ignore[arg-type]
        now = timezone.now()
        week = now + datetime.timedelta(days=7)
        shifts = selectors.rota_shifts(sites=sites, start=now, end=week)
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
                shift = selectors.rota_shift(shift_id=_int(request.POST.get("shift")))
                if shift is None or not may_edit_rota(user, shift.site):  # type: ignore[arg-type]
                    raise Http404
                services.shift_remove(actor=user, shift=shift)  # type: ignore[arg-type]
            else:
                site = selectors.rota_site(site_id=_int(request.POST.get("site")))
                person = selectors.rota_person(user_id=_int(request.POST.get("person")))
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


# Callbacks
HANDOVER_CALLBACKS = 50  # carried over on the handover page, the earliest due first
CALLBACK_ROLES = frozenset({Role.SUPERVISOR, Role.HOTLINE_OPERATOR})


def _page(request: HttpRequest, *, typed: dict | None = None, status: int = 200) -> HttpResponse:
    page = keyset_page(
        selectors.due_callbacks_for(user=request.user),  # type: ignore[arg-type]
        request.GET,
        order=selectors.CALLBACK_ORDER,
        ascending=True,
    )
    audit_read(request, "hotline.callback.listed", page.object_list)
    return render(
        request,
        "hotline/callbacks.html",
        {"callbacks": page.object_list, "page": page, "now": timezone.now(), "typed": typed or {}},
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


# Shift handover
HANDOVER_ROLES = frozenset({Role.HOTLINE_OPERATOR, Role.SUPERVISOR})


class HandoverView(ServiceFormMixin, RoleRequiredMixin, View):
    """The handover notes of the last 7 days (the user's site; a supervisor's tree), unread
    first, with the open alerts and callbacks the next shift takes over, as they are now; the
    outgoing shift writes its note here."""

    roles = HANDOVER_ROLES

    def get(self, request: SignedInRequest) -> HttpResponse:
        initial = {"shift_ends_at": timezone.localtime().replace(second=0, microsecond=0)}
        return self._render(request, forms.HandoverForm(initial=initial))

    def post(self, request: SignedInRequest) -> HttpResponse:
        form = forms.HandoverForm(request.POST)
        outcome = self.submit(
            form,
            lambda: services.handover_write(
                actor=request.user,
                note=form.cleaned_data["note"],
                shift_ends_at=form.cleaned_data["shift_ends_at"],
            ),
        )
        if outcome.saved:
            messages.success(request, _("The handover note is saved for the next shift."))
            return redirect("hotline:handover")
        return self._render(request, form, status=outcome.status)

    @staticmethod
    def _render(
        request: SignedInRequest, form: forms.HandoverForm, status: int = 200
    ) -> HttpResponse:
        notes = selectors.recent_handovers_for(user=request.user)
        notes.sort(key=lambda note: not note.unread)  # type: ignore[attr-defined]
        now = timezone.now()
        alerts = list(selectors.open_alerts_for(user=request.user)[:200])
        # The first callbacks due, and how many are open; the callbacks page has them all.
        due = selectors.due_callbacks_for(user=request.user)
        callbacks = list(due[:HANDOVER_CALLBACKS])
        callbacks_open = len(callbacks) if len(callbacks) < HANDOVER_CALLBACKS else due.count()
        # Notes may name a child; the carried-over lists show alerts and callbacks by number.
        audit_read(request, "hotline.handover.listed", notes)
        audit_read(request, "hotline.alert.listed", alerts)
        audit_read(request, "hotline.callback.listed", callbacks)
        context = {
            "form": form,
            "notes": notes,
            "alerts": [
                {
                    "alert": alert,
                    "minutes": int((now - alert.raised_at).total_seconds() // 60),
                    "overdue": alert.status == CrisisAlert.Status.OPEN
                    and alert.acknowledge_by < now,
                }
                for alert in alerts
            ],
            "callbacks": callbacks,
            "callbacks_open": callbacks_open,
            "now": now,
        }
        return render(request, "hotline/handover.html", context, status=status)


class HandoverReadView(RecordRoleRequiredMixin, View):
    """Mark a note read (it stops being announced on the calls page)."""

    roles = HANDOVER_ROLES
    http_method_names = ["post"]

    def post(self, request: SignedInRequest, handover_id: int) -> HttpResponse:
        handover = selectors.get_handover_for_user(user=request.user, handover_id=handover_id)
        services.handover_mark_read(actor=request.user, handover=handover)
        return redirect("hotline:handover")


# Wallboard
WALLBOARD_ROLES = frozenset({Role.HOTLINE_OPERATOR, Role.SUPERVISOR, Role.CRISIS_TEAM})


class WallboardView(RoleRequiredMixin, View):
    """The duty room's wallboard: counts only (no caller, no call), refreshed by
    hotline/wallboard.js from `WallboardFiguresView` without a full reload."""

    roles = WALLBOARD_ROLES

    def get(self, request: SignedInRequest) -> HttpResponse:
        figures = selectors.wallboard_figures(user=request.user)
        return render(
            request,
            "hotline/wallboard.html",
            {"figures": figures, "updated_at": timezone.localtime()},
        )


class WallboardFiguresView(RoleRequiredMixin, View):
    roles = WALLBOARD_ROLES

    def get(self, request: SignedInRequest) -> HttpResponse:
        figures = selectors.wallboard_figures(user=request.user)
        figures["updated_at"] = timezone.localtime().strftime("%H:%M:%S")
        return JsonResponse(figures)
