from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from centre import views as centre_views
from centre.audit import audit_read
from centre.forms import ServiceFormMixin, refusal_message
from centre.http import SignedInRequest
from centre.paging import keyset_page
from centre.permissions import RecordRoleRequiredMixin, RoleRequiredMixin
from centre.roles import Role
from hotline import forms, selectors, services
from hotline.caller import caller_hash
from hotline.models import Call


class WorkspaceView(centre_views.WorkspaceView):
    roles = frozenset({Role.HOTLINE_OPERATOR, Role.CRISIS_TEAM, Role.SUPERVISOR})
    title = gettext_lazy("Hotline")
    description = gettext_lazy(
        "The 24-hour hotline: call logs, suicide-risk triage and crisis alerts that the crisis "
        "team acknowledges."
    )


# --- calls (hot1) ---
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
        form = forms.CallForm(request.POST)
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
        services.call_draft_update(actor=request.user, call=call, fields=fields)
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
        calls = selectors.call_visible_to(user=request.user).select_related("site", "operator")
        page = keyset_page(calls, request.GET, order=("started_at", "id"), per_page=50)
        audit_read(request, "hotline.call.listed", page.object_list)
        return render(request, "hotline/call_list.html", {"page": page, "calls": page.object_list})


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


# --- end calls (hot1) ---
