"""The counsellors' pages. Each view parses, calls a selector or a service, and renders.

Every case page starts from `get_case_for_user`: a case the user may not see answers 404, exactly
like a missing one. Every page that shows the file writes a read audit entry."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from centre import selectors as centre_selectors
from centre import today
from centre.audit import audit_read
from centre.errors import ServiceError
from centre.forms import ServiceFormMixin, VersionedForm, refusal_message, staff_label
from centre.http import SignedInRequest
from centre.paging import keyset_page
from centre.permissions import RecordRoleRequiredMixin, RoleRequiredMixin
from centre.roles import (
    BREAK_GLASS_ROLES,
    CASE_FILE_ROLES,
    CLINICIAN_ROLES,
    Role,
    has_any_role,
)
from centre.text import masked_name
from counselling import forms, intake, selectors, services
from counselling.models import Appointment, Case, Consent, FollowUp, Guardian, Referral


class CaseloadView(RoleRequiredMixin, View):
    """My caseload, the most urgent first: the highest risk, within it the earliest due follow-up
    (overdue first), then the newest; closed cases only when asked for. Paged by position
    (`centre.paging`, no COUNT). The search by name, student
    number or school is a POST: no child's name in an address."""

    roles = CLINICIAN_ROLES
    title = gettext_lazy("Caseload")
    per_page = 50

    def get(self, request: SignedInRequest) -> HttpResponse:
        filters = forms.CaseFilterForm(request.GET or None)
        chosen = filters.cleaned_data if filters.is_valid() else {}
        cases = selectors.caseload(
            user=request.user,
            status=chosen.get("status", ""),
            risk_level=chosen.get("risk_level", ""),
        )
        page = keyset_page(
            cases, request.GET, order=("risk_rank", "attention", "id"), per_page=self.per_page
        )
        audit_read(request, "counselling.case.listed", page.object_list)
        query = urlencode({name: value for name, value in chosen.items() if value})
        context = {
            "filters": filters,
            "search": forms.CaseloadSearchForm(),
            "page": page,
            "cases": page.object_list,
            "query": query,
        }
        return render(request, "counselling/caseload.html", context)

    def post(self, request: SignedInRequest) -> HttpResponse:
        search = forms.CaseloadSearchForm(request.POST)
        context: dict = {"filters": forms.CaseFilterForm(), "search": search, "searched": True}
        if not search.is_valid():
            context["cases"] = []
            return render(request, "counselling/caseload.html", context, status=400)
        cases = list(
            selectors.caseload_search(
                user=request.user,
                text=search.cleaned_data["text"],
                include_closed=search.cleaned_data["include_closed"],
            )[: selectors.SEARCH_LIMIT]
        )
        # The list names children: audited like the caseload, with the number found, never the text.
        audit_read(request, "counselling.case.listed", cases, data={"search": True})
        context["cases"] = cases
        context["search_limited"] = len(cases) >= selectors.SEARCH_LIMIT
        return render(request, "counselling/caseload.html", context)


class TodayView(RoleRequiredMixin, View):
    """Today, the counsellor's first page: follow-ups due today and overdue, appointments today
    (and earlier ones not yet logged), crisis assessments (declared by screening,
    `centre.today`), and the unread inbox."""

    roles = CLINICIAN_ROLES
    title = gettext_lazy("Today")

    def get(self, request: SignedInRequest) -> HttpResponse:
        follow_ups = list(selectors.today_follow_ups(user=request.user))
        appointments = list(selectors.today_appointments(user=request.user))
        cases = [*(item.case for item in follow_ups), *(item.case for item in appointments)]
        audit_read(request, "counselling.case.listed", cases)
        unread = list(centre_selectors.unread_notifications(user=request.user)[:10])
        context = {
            "follow_ups": follow_ups,
            "appointments": appointments,
            "sections": today.sections_for(request),
            "unread": unread,
            "today": timezone.localdate(),
        }
        return render(request, "counselling/today.html", context)


class IntakeView(ServiceFormMixin, RoleRequiredMixin, View):
    """Open a case from intake: search for the child first, so no child is entered twice.

    Both steps are POSTs (`step`: search, register): a child's name and date of birth never go
    in a URL, where access logs would keep them. The search is audited (how many matched, never
    the name); a match the user may not see says only that the child is registered and whom to
    ask, never their school."""

    roles = CLINICIAN_ROLES

    def get(self, request: SignedInRequest) -> HttpResponse:
        return render(request, "counselling/intake.html", {"search": intake.ClientSearchForm()})

    def post(self, request: SignedInRequest) -> HttpResponse:
        if request.POST.get("step") == "register":
            return self._register(request)
        search = intake.ClientSearchForm(request.POST)
        if not search.is_valid():
            return render(request, "counselling/intake.html", {"search": search}, status=400)
        context = {"search": search, "matches": self._matches(request, search.cleaned_data)}
        if not context["matches"]:
            context["form"] = intake.IntakeForm(initial=search.cleaned_data)
        return render(request, "counselling/intake.html", context)

    def _register(self, request: SignedInRequest) -> HttpResponse:
        form = intake.IntakeForm(request.POST)
        outcome = self.submit(
            form,
            lambda: services.case_open_from_intake(
                actor=request.user, site=request.user.site, **form.intake()
            ),
        )
        if outcome.saved:
            messages.success(request, _("The case is open."))
            return redirect("counselling:case", case_id=outcome.value.pk)
        context: dict[str, Any] = {"form": form}
        if isinstance(outcome.error, services.DuplicateClientError):
            context["search"] = intake.ClientSearchForm(initial=form.cleaned_data)
            context["matches"] = self._matches(request, form.cleaned_data)
        return render(request, "counselling/intake.html", context, status=outcome.status)

    @staticmethod
    def _matches(request: SignedInRequest, data: dict) -> list[dict]:
        """Possible duplicates: a case the user sees is linked with the child's details; of
        another, only where the child is registered and whom to ask."""
        found = list(
            selectors.client_search(
                full_name=data["full_name"],
                date_of_birth=data["date_of_birth"],
                school_id=data["school"].pk if data.get("school") else None,
            ).select_related("school", "site")
        )
        visible = dict(
            selectors.case_visible_to(user=request.user)
            .filter(client__in=found)
            .values_list("client_id", "pk")
        )
        # The matches in the user's files are shown with the child's details: a read of them.
        audit_read(
            request,
            "counselling.client.searched",
            [client for client in found if client.pk in visible],
            data={"matches": len(found), "visible": len(visible)},
        )
        return [
            {"client": client, "case_id": visible[client.pk]}
            if client.pk in visible
            else {
                "site": client.site,
                "ask": [
                    person.get_full_name() or person.get_username()
                    for person in selectors.supervisors_to_ask(site=client.site)
                ],
            }
            for client in found
        ]


def counselling_consent_lapsed_at(case: Case):
    """When the consent to counselling stopped (the case says so at the top), or None."""
    return services.consent_lapsed_at(client=case.client, purpose=Consent.Purpose.COUNSELLING)


class CaseView(RecordRoleRequiredMixin, View):
    """A page about one case. Subclasses say whether they write (`for_write`)."""

    roles = CASE_FILE_ROLES
    for_write = False

    def load_case(self, request: SignedInRequest, case_id: int) -> Case:
        return selectors.get_case_for_user(
            user=request.user, case_id=case_id, for_write=self.for_write
        )


class CaseDetailView(CaseView):
    """The case file: client, guardians and consents, risk, safety plan, referrals, timeline."""

    def get(self, request: SignedInRequest, case_id: int) -> HttpResponse:
        try:
            case = self.load_case(request, case_id)
        except Http404:
            return self._not_found(request, case_id)
        services.case_record_read(actor=request.user, case=case, request=request)
        return render(request, "counselling/case_detail.html", self.context(request, case))

    @staticmethod
    def context(request: SignedInRequest, case: Case, **extra) -> dict:
        may_change = selectors.user_may_change_case(user=request.user, case=case)
        referrals = list(case.referrals.all())
        return {
            "case": case,
            "consent_lapsed_at": counselling_consent_lapsed_at(case),
            "client": case.client,
            "guardians": case.client.guardians.all(),
            "consents": case.client.consents.select_related("guardian"),
            "risk_changes": case.risk_changes.select_related("changed_by"),
            "safety_plan": case.safety_plans.first(),
            "needs_safety_plan": services.case_needs_safety_plan(case=case),
            "referrals": referrals,
            "advance_forms": {
                referral.pk: forms.ReferralAdvanceForm(referral=referral)
                for referral in referrals
                if Referral.NEXT_STATUSES[Referral.Status(referral.status)]
            },
            "timeline": selectors.case_timeline(case=case),
            "follow_ups": case.follow_ups.exclude(status=FollowUp.Status.CANCELLED),
            "appointments": selectors.appointments_of_case(case=case),
            "follow_up_form": forms.FollowUpAddForm(),
            "may_change": may_change,
            "may_assign": may_change and request.user.has_role(Role.SUPERVISOR),
            "shares": selectors.case_shares(case=case),
            "may_see_viewers": selectors.case_may_see_viewers(user=request.user, case=case),
            "break_glass": selectors.break_glass_active(user=request.user, case=case),
            "concerns_form": extra.get("concerns_form")
            or forms.ConcernsForm(
                initial={"presenting_concerns": case.presenting_concerns, "version": case.version}
            ),
            "risk_form": extra.get("risk_form")
            or forms.RiskForm(initial={"risk_level": case.risk_level, "version": case.version}),
            "status_form": extra.get("status_form")
            or forms.StatusForm(initial={"version": case.version}),
            # Closing has its own confirmation page ("Close the case"), not this select.
            "status_choices": [
                (value, label)
                for value, label in Case.Status.choices
                if value in services.CASE_TRANSITIONS[Case.Status(case.status)]
                and value != Case.Status.CLOSED
            ],
            "may_close": Case.Status.CLOSED in services.CASE_TRANSITIONS[Case.Status(case.status)],
        }

    @staticmethod
    def _not_found(request: SignedInRequest, case_id: int) -> HttpResponse:
        """404 — and, for those who may break the glass, the way to do it."""
        may_break_glass = has_any_role(request.user, BREAK_GLASS_ROLES)
        return render(
            request,
            "counselling/case_not_found.html",
            {"case_id": case_id, "may_break_glass": may_break_glass},
            status=404,
        )


class CaseChangeView(ServiceFormMixin, CaseView):
    """The case file's forms: presenting concerns, risk level (with a reason) and status."""

    for_write = True
    actions = {
        "concerns": (forms.ConcernsForm, "concerns_form"),
        "risk": (forms.RiskForm, "risk_form"),
        "status": (forms.StatusForm, "status_form"),
    }

    def post(self, request: SignedInRequest, case_id: int, action: str) -> HttpResponse:
        if action not in self.actions:
            raise Http404
        case = self.load_case(request, case_id)
        form_class, context_name = self.actions[action]
        form = form_class(request.POST)
        outcome = self.submit(form, lambda: self._apply(request, case, action, form.cleaned_data))
        if outcome.saved:
            messages.success(request, _("Saved."))
            return redirect("counselling:case", case_id=case.pk)
        case.refresh_from_db()  # the page shows what is saved now
        services.case_record_read(actor=request.user, case=case, request=request)
        context = CaseDetailView.context(request, case, **{context_name: form})
        return render(request, "counselling/case_detail.html", context, status=outcome.status)

    @staticmethod
    def _apply(request: SignedInRequest, case: Case, action: str, data: dict) -> None:
        version = data["version"]
        if action == "concerns":
            services.case_update(
                actor=request.user,
                case=case,
                expected_version=version,
                presenting_concerns=data["presenting_concerns"],
            )
        elif action == "risk":
            services.case_change_risk(
                actor=request.user,
                case=case,
                level=data["risk_level"],
                reason=data["reason"],
                expected_version=version,
            )
        else:
            services.case_change_status(
                actor=request.user, case=case, status=data["status"], expected_version=version
            )


class CaseFormView(ServiceFormMixin, CaseView):
    """A form page about one case: subclasses give the form, the template and what to save."""

    for_write = True
    template_name = ""
    title: str | Promise = ""

    def get_form(self, request: SignedInRequest, case: Case, data=None):
        raise NotImplementedError

    def save(self, request: SignedInRequest, case: Case, form) -> str:
        """Save through a service and return the success message."""
        raise NotImplementedError

    def render_form(self, request: SignedInRequest, case: Case, form, status: int = 200):
        # The page's header shows the child's details: a read of the case file.
        services.case_record_read(actor=request.user, case=case, request=request)
        context = {
            "case": case,
            "client": case.client,
            "form": form,
            "title": self.title,
            "consent_lapsed_at": counselling_consent_lapsed_at(case),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request: SignedInRequest, case_id: int) -> HttpResponse:
        case = self.load_case(request, case_id)
        return self.render_form(request, case, self.get_form(request, case))

    def post(self, request: SignedInRequest, case_id: int) -> HttpResponse:
        case = self.load_case(request, case_id)
        form = self.get_form(request, case, request.POST)
        outcome = self.submit(form, lambda: self.save(request, case, form))
        if outcome.saved:
            messages.success(request, outcome.value)
            return redirect("counselling:case", case_id=case.pk)
        if outcome.conflict:
            case.refresh_from_db()  # the header shows what is saved now
        return self.render_form(request, case, form, status=outcome.status)


class SessionLogView(CaseFormView):
    template_name = "counselling/session_form.html"
    title = gettext_lazy("Log a session")

    def get_form(self, request, case, data=None):
        initial = {
            "held_at": timezone.localtime().replace(second=0, microsecond=0),
            "duration_minutes": 50,
            "kind": "counselling",
            "modality": "face_to_face",
            "attendance": "attended",
        }
        crisis = counselling_consent_lapsed_at(case) is not None
        initial["case_version"] = case.version  # a risk assessed here changes the case
        return forms.SessionForm(data, initial=initial, crisis=crisis)

    def save(self, request, case, form):
        services.session_log(actor=request.user, case=case, **form.cleaned_data)
        return _("The session is logged.")


class SafetyPlanView(CaseFormView):
    template_name = "counselling/safety_plan_form.html"
    title = gettext_lazy("Safety plan")

    def get_form(self, request, case, data=None):
        current = case.safety_plans.first()
        return forms.SafetyPlanForm(data, instance=None, initial=_plan_fields(current))

    def render_form(self, request, case, form, status=200):
        services.case_record_read(actor=request.user, case=case, request=request, what="case")
        context = {
            "case": case,
            "client": case.client,
            "form": form,
            "title": self.title,
            "versions": case.safety_plans.select_related("created_by"),
        }
        return render(request, self.template_name, context, status=status)

    def save(self, request, case, form):
        plan = services.safety_plan_save(actor=request.user, case=case, **form.cleaned_data)
        return _("Safety plan version %(number)s is saved.") % {"number": plan.number}


def _plan_fields(plan) -> dict:
    if plan is None:
        return {}
    return {name: getattr(plan, name) for name in forms.SafetyPlanForm.Meta.fields}


class ReferralCreateView(CaseFormView):
    template_name = "counselling/case_form.html"
    title = gettext_lazy("Refer along the green channel")

    def get_form(self, request, case, data=None):
        crisis = counselling_consent_lapsed_at(case) is not None
        return forms.ReferralForm(data, crisis=crisis)

    def save(self, request, case, form):
        services.referral_create(actor=request.user, case=case, **form.cleaned_data)
        return _("The referral is created.")


class GuardianAddView(CaseFormView):
    template_name = "counselling/case_form.html"
    title = gettext_lazy("Add a guardian")

    def get_form(self, request, case, data=None):
        return forms.GuardianForm(data)

    def save(self, request, case, form):
        services.guardian_add(actor=request.user, client=case.client, **form.cleaned_data)
        return _("The guardian is added.")


class ConsentRecordView(CaseFormView):
    template_name = "counselling/case_form.html"
    title = gettext_lazy("Record a consent")

    def get_form(self, request, case, data=None):
        return forms.ConsentForm(data, client=case.client)

    def save(self, request, case, form):
        services.consent_record(actor=request.user, client=case.client, **form.cleaned_data)
        return _("The consent is recorded.")


class ShareView(CaseFormView):
    template_name = "counselling/case_form.html"
    title = gettext_lazy("Share this case with a colleague")

    def get_form(self, request, case, data=None):
        return forms.ShareForm(data, actor=request.user)

    def save(self, request, case, form):
        services.case_share(actor=request.user, case=case, **form.cleaned_data)
        return _("The case is shared.")


class ShareRevokeView(ServiceFormMixin, CaseView):
    """Revoke a colleague's share of a case, after a confirmation: their grants go (audited) and
    the case answers them 404 from then on."""

    for_write = True

    def _load(
        self, request: SignedInRequest, case_id: int, user_id: int
    ) -> tuple[Case, selectors.CaseShare]:
        case = self.load_case(request, case_id)
        return case, selectors.get_case_share(case=case, user_id=user_id)

    def get(self, request: SignedInRequest, case_id: int, user_id: int) -> HttpResponse:
        case, share = self._load(request, case_id, user_id)
        return self._render(request, case, share)

    def post(self, request: SignedInRequest, case_id: int, user_id: int) -> HttpResponse:
        case, share = self._load(request, case_id, user_id)
        outcome = self.call_service(
            None,
            lambda: services.case_unshare(actor=request.user, case=case, user=share.user),
        )
        if outcome.saved:
            messages.success(request, _("The share is revoked."))
            return redirect(reverse("counselling:case", args=[case.pk]) + "#shares")
        return self._render(
            request, case, share, error=refusal_message(outcome), status=outcome.status
        )

    @staticmethod
    def _render(
        request: SignedInRequest,
        case: Case,
        share: selectors.CaseShare,
        error: str = "",
        status: int = 200,
    ) -> HttpResponse:
        services.case_record_read(actor=request.user, case=case, request=request)
        return render(
            request,
            "counselling/share_revoke.html",
            {
                "case": case,
                "client": case.client,
                "share": share,
                "share_label": staff_label(share.user),
                "error": error,
                "consent_lapsed_at": counselling_consent_lapsed_at(case),
            },
            status=status,
        )


class AssignView(CaseFormView):
    """Supervisors assign the lead counsellor (the previous lead loses the grants)."""

    template_name = "counselling/case_form.html"
    title = gettext_lazy("Assign the lead counsellor")

    def load_case(self, request, case_id):
        case = super().load_case(request, case_id)
        if not request.user.has_role(Role.SUPERVISOR):
            raise PermissionDenied
        return case

    def get_form(self, request, case, data=None):
        return forms.AssignForm(
            data,
            actor=request.user,
            initial={"counsellor": case.counsellor, "version": case.version},
        )

    def save(self, request, case, form):
        services.case_assign(
            actor=request.user,
            case=case,
            counsellor=form.cleaned_data["counsellor"],
            expected_version=form.cleaned_data["version"],
        )
        return _("The lead counsellor is assigned.")


class ConsentWithdrawView(CaseView):
    """Withdraw a consent (after a confirmation page): honoured from now on."""

    for_write = True

    def _consent(self, case: Case, consent_id: int):
        return selectors.get_open_consent_for_case(case=case, consent_id=consent_id)

    def get(self, request, case_id: int, consent_id: int):
        case = self.load_case(request, case_id)
        consent = self._consent(case, consent_id)
        services.case_record_read(actor=request.user, case=case, request=request)
        return render(
            request, "counselling/consent_withdraw.html", {"case": case, "consent": consent}
        )

    def post(self, request, case_id: int, consent_id: int):
        case = self.load_case(request, case_id)
        services.consent_withdraw(actor=request.user, consent=self._consent(case, consent_id))
        messages.success(request, _("The consent is withdrawn from now on."))
        return redirect("counselling:case", case_id=case.pk)


class ReferralAdvanceView(ServiceFormMixin, CaseView):
    for_write = True

    def post(self, request, referral_id: int):
        referral = selectors.get_referral_for_user(user=request.user, referral_id=referral_id)
        case = self.load_case(request, referral.case_id)
        form = forms.ReferralAdvanceForm(request.POST, referral=referral)
        outcome = self.submit(
            form,
            lambda: services.referral_advance(
                actor=request.user, referral=referral, **form.cleaned_data
            ),
        )
        if outcome.saved:
            messages.success(request, _("The referral is updated."))
            if outcome.value.appointment_after_deadline and form.cleaned_data["status"] == (
                Referral.Status.SCHEDULED
            ):
                messages.warning(request, appointment_late_message(outcome.value))
            return redirect(f"{reverse('counselling:case', args=[case.pk])}#referrals")
        for error in form.errors.values():
            messages.error(request, " ".join(map(str, error)))
        return redirect(f"{reverse('counselling:case', args=[case.pk])}#referrals")


def appointment_late_message(referral: Referral) -> str:
    return _(
        "Saved, but the appointment (%(when)s) is after the deadline of this referral "
        "(%(deadline)s). Ask for an earlier one, or tell the supervisor."
    ) % {
        "when": timezone.localtime(referral.scheduled_for).strftime("%Y-%m-%d %H:%M"),
        "deadline": timezone.localtime(referral.due_at).strftime("%Y-%m-%d %H:%M"),
    }


class SessionDetailView(ServiceFormMixin, CaseView):
    """One session's note: reading it is audited; editing refuses a stale version."""

    def _session(self, request, session_id: int):
        session = selectors.get_session_for_user(user=request.user, session_id=session_id)
        return session, self.load_case(request, session.case_id)

    def get(self, request, session_id: int):
        session, case = self._session(request, session_id)
        form = forms.SessionEditForm(
            initial={
                "version": session.version,
                "held_at": timezone.localtime(session.held_at),
                "attendance": session.attendance,
                "duration_minutes": session.duration_minutes,
                "note_presenting": session.note_presenting,
                "note_intervention": session.note_intervention,
                "note_plan": session.note_plan,
            }
        )
        return self._render(request, session, case, form)

    def post(self, request, session_id: int):
        session, case = self._session(request, session_id)
        if not selectors.user_may_change_case(user=request.user, case=case):
            raise PermissionDenied
        form = forms.SessionEditForm(request.POST)
        outcome = self.submit(form, lambda: self._save(request, session, form.cleaned_data))
        if outcome.saved:
            messages.success(request, _("The note is saved."))
            return redirect("counselling:session", session_id=session.pk)
        if outcome.conflict:
            session.refresh_from_db()  # the page shows what is saved now
        return self._render(request, session, case, form, status=outcome.status)

    @staticmethod
    def _save(request, session, data: dict):
        fields = {name: value for name, value in data.items() if name != "version"}
        return services.session_update(
            actor=request.user, session=session, expected_version=data["version"], **fields
        )

    @staticmethod
    def _render(request, session, case, form, status=200):
        # Every answer that shows the note, a refused save's included, is a read of it.
        services.case_record_read(
            actor=request.user, case=case, request=request, what="session", record=session
        )
        context = {
            "session": session,
            "case": case,
            "client": case.client,
            "form": form,
            "may_change": selectors.user_may_change_case(user=request.user, case=case),
        }
        return render(request, "counselling/session_detail.html", context, status=status)


VIEWED_WHAT = {
    "counselling.session.viewed": gettext_lazy("a session note"),
    "counselling.follow_up.viewed": gettext_lazy("a follow-up"),
    "counselling.client.viewed": gettext_lazy("the child's details"),
    "counselling.case.printed": gettext_lazy("a printout of the case summary"),
    "counselling.referral.printed": gettext_lazy("a printout of a referral letter"),
    "counselling.client.searched": gettext_lazy("an intake search that found the child"),
}


def viewed_what(action: str) -> str | Promise:
    """What an entry of "who viewed this file" read: a page of the file, a list, an export."""
    if action in VIEWED_WHAT:
        return VIEWED_WHAT[action]
    if action.endswith(".listed"):
        return gettext_lazy("a list showing it")
    if action.endswith(".exported"):
        return gettext_lazy("an export")
    return gettext_lazy("the case file")


class ViewersView(CaseView):
    """Who viewed this file: for its counsellor and supervisors."""

    def get(self, request, case_id: int):
        case = self.load_case(request, case_id)
        if not selectors.case_may_see_viewers(user=request.user, case=case):
            raise PermissionDenied
        entries = list(selectors.case_viewers(case=case))
        notes = selectors.case_session_notes(case=case)
        for entry in entries:
            entry.what = viewed_what(entry.action)  # type: ignore[attr-defined]  # for the page
            if entry.target_type == "counselling.counsellingsession" and entry.target_id in notes:
                note = notes[entry.target_id]  # which note was read
                entry.what = _("the session note of %(held)s") % {  # type: ignore[attr-defined]
                    "held": timezone.localtime(note.held_at).strftime("%Y-%m-%d %H:%M")
                }
                entry.link = reverse("counselling:session", args=[note.pk])  # type: ignore[attr-defined]
        return render(
            request,
            "counselling/viewers.html",
            {"case": case, "client": case.client, "entries": entries},
        )


class CrisisSearchView(RoleRequiredMixin, View):
    """The crisis team finds a case to break the glass on: by name (part of it) and school,
    among the open cases at high or imminent risk of their site. A POST, so no name reaches an
    address or an access log; the list shows masked names only and is audited like any list."""

    roles = frozenset({Role.CRISIS_TEAM})
    title = gettext_lazy("Find a case")

    def get(self, request: SignedInRequest) -> HttpResponse:
        form = forms.CrisisSearchForm(actor=request.user)
        return render(request, "counselling/crisis_search.html", {"form": form})

    def post(self, request: SignedInRequest) -> HttpResponse:
        form = forms.CrisisSearchForm(request.POST, actor=request.user)
        if not form.is_valid():
            return render(request, "counselling/crisis_search.html", {"form": form}, status=400)
        school = form.cleaned_data["school"]
        cases = list(
            selectors.crisis_case_search(
                user=request.user,
                name=form.cleaned_data["name"],
                school_id=school.pk if school else None,
            )
        )
        audit_read(request, "counselling.case.listed", cases, data={"search": "crisis"})
        open_grants = selectors.break_glass_open_case_ids(user=request.user, cases=cases)
        results = [
            {
                "case": case,
                "name": masked_name(case.client.full_name),
                "open": case.pk in open_grants,
            }
            for case in cases
        ]
        return render(
            request,
            "counselling/crisis_search.html",
            {"form": form, "results": results, "searched": True},
        )


class BreakGlassView(ServiceFormMixin, RoleRequiredMixin, View):
    """Open a case outside one's grants for a stated reason, for a limited time."""

    roles = BREAK_GLASS_ROLES

    def get(self, request, case_id: int):
        return self._render(request, case_id, forms.BreakGlassForm())

    def post(self, request, case_id: int):
        form = forms.BreakGlassForm(request.POST)
        outcome = self.submit(form, lambda: self._open(request, case_id, form.cleaned_data))
        if outcome.saved:
            messages.warning(
                request,
                _("Break-glass access is open for %(hours)s hours and shown to the auditors.")
                % {"hours": settings.BREAK_GLASS_HOURS},
            )
            return redirect("counselling:case", case_id=case_id)
        return self._render(request, case_id, form, status=outcome.status)

    @staticmethod
    def _open(request, case_id: int, data: dict):
        case = selectors.get_case_for_break_glass(case_id=case_id)
        return services.break_glass_open(
            actor=request.user, case=case, reason=data["reason"], request=request
        )

    @staticmethod
    def _render(request, case_id, form, status=200):
        return render(
            request,
            "counselling/break_glass.html",
            {"case_id": case_id, "form": form},
            status=status,
        )


class ConferenceListView(ServiceFormMixin, RoleRequiredMixin, View):
    """The site's case conferences (定期会商); the supervisor records them."""

    roles = frozenset({Role.SUPERVISOR})

    def _site_cases(self, request):
        return selectors.site_cases_for_conference(user=request.user)

    def get(self, request):
        return self._render(
            request, forms.CaseConferenceForm(cases=self._site_cases(request), actor=request.user)
        )

    def post(self, request):
        form = forms.CaseConferenceForm(
            request.POST, cases=self._site_cases(request), actor=request.user
        )
        outcome = self.submit(
            form,
            lambda: services.case_conference_record(
                actor=request.user, site=request.user.site, **form.cleaned_data
            ),
        )
        if outcome.saved:
            messages.success(request, _("The case conference is recorded."))
            return redirect("counselling:conferences")
        return self._render(request, form, status=outcome.status)

    @staticmethod
    def _render(request, form, status=200):
        conferences = list(selectors.conferences_for_user(user=request.user)[:24])
        offered = list(form.fields["cases"].queryset)
        for conference in conferences:
            conference.discussed = [  # type: ignore[attr-defined]  # for the page
                forms.conference_case_label(case) for case in conference.cases.all()
            ]
        # The page names cases (masked) with their risk: a list read of each one shown.
        shown = [*offered, *(case for item in conferences for case in item.cases.all())]
        audit_read(request, "counselling.case.listed", shown)
        return render(
            request,
            "counselling/conferences.html",
            {"form": form, "conferences": conferences},
            status=status,
        )


class FollowUpAddView(CaseFormView):
    template_name = "counselling/case_form.html"
    title = gettext_lazy("Add a follow-up")

    def get_form(self, request, case, data=None):
        return forms.FollowUpAddForm(data)

    def save(self, request, case, form):
        services.follow_up_add(actor=request.user, case=case, due_at=form.cleaned_data["due_at"])
        return _("The follow-up is planned.")


class FollowUpView(ServiceFormMixin, CaseView):
    """One follow-up: record its outcome (or that the contact was missed), move or cancel it."""

    for_write = True
    actions = {
        "outcome": forms.FollowUpOutcomeForm,
        "move": forms.FollowUpMoveForm,
        "cancel": VersionedForm,
    }

    def _load(self, request, follow_up_id: int):
        follow_up = selectors.get_follow_up_for_user(user=request.user, follow_up_id=follow_up_id)
        return follow_up, self.load_case(request, follow_up.case_id)

    def get(self, request, follow_up_id: int):
        follow_up, case = self._load(request, follow_up_id)
        initial = {"version": follow_up.version, "due_at": timezone.localtime(follow_up.due_at)}
        bound = {
            name: form_class(initial=initial, auto_id=f"{name}-%s")
            for name, form_class in self.actions.items()
        }
        return self._render(request, follow_up, case, bound)

    def post(self, request, follow_up_id: int):
        follow_up, case = self._load(request, follow_up_id)
        action = request.POST.get("action", "")
        if action not in self.actions:
            raise Http404
        form = self.actions[action](request.POST, auto_id=f"{action}-%s")
        outcome = self.submit(form, lambda: self._apply(request, follow_up, action, form))
        if outcome.saved:
            messages.success(request, _("The follow-up is updated."))
            case.refresh_from_db()
            if action == "outcome" and self._kept_out_of_active_work(case, form.cleaned_data):
                messages.warning(
                    request,
                    _(
                        "The risk is recorded, but the case stays %(status)s: the consent to "
                        "counselling was withdrawn. In a crisis, log the session or the "
                        "referral as the crisis exception."
                    )
                    % {"status": case.get_status_display()},
                )
            return redirect(f"{reverse('counselling:case', args=[case.pk])}#follow-ups")
        follow_up.refresh_from_db()
        initial = {"version": follow_up.version, "due_at": timezone.localtime(follow_up.due_at)}
        bound = {
            name: form_class(initial=initial, auto_id=f"{name}-%s")
            for name, form_class in self.actions.items()
        }
        bound[action] = form
        return self._render(request, follow_up, case, bound, status=outcome.status)

    @staticmethod
    def _kept_out_of_active_work(case: Case, data: dict) -> bool:
        """A serious risk found at the follow-up would have brought the case back to active
        work, but the consent to counselling is withdrawn."""
        serious = data.get("risk_assessed") in {"moderate", "high", "imminent"}
        return (
            serious
            and case.status in {Case.Status.RECOVERY, Case.Status.CLOSED}
            and not services.may_return_to_active_work(case)
        )

    @staticmethod
    def _apply(request, follow_up, action, form) -> None:
        data = dict(form.cleaned_data)
        version = data.pop("version")
        if action == "outcome":
            services.follow_up_record_outcome(
                actor=request.user, follow_up=follow_up, expected_version=version, **data
            )
        elif action == "move":
            services.follow_up_move(
                actor=request.user,
                follow_up=follow_up,
                due_at=data["due_at"],
                expected_version=version,
            )
        else:
            services.follow_up_cancel(
                actor=request.user, follow_up=follow_up, expected_version=version
            )

    @staticmethod
    def _render(request, follow_up, case, bound, status=200):
        services.case_record_read(actor=request.user, case=case, request=request, what="follow_up")
        context = {"follow_up": follow_up, "case": case, "client": case.client, **bound}
        return render(request, "counselling/follow_up.html", context, status=status)


class CaseCloseView(ServiceFormMixin, CaseView):
    """Close a case after a confirmation page that says what closing does (a follow-up plan is
    made; the case leaves the caseload; reopening is a decision of its own)."""

    for_write = True

    def get(self, request: SignedInRequest, case_id: int) -> HttpResponse:
        case = self.load_case(request, case_id)
        return self._render(request, case, forms.CaseCloseForm(initial={"version": case.version}))

    def post(self, request: SignedInRequest, case_id: int) -> HttpResponse:
        case = self.load_case(request, case_id)
        form = forms.CaseCloseForm(request.POST)
        outcome = self.submit(
            form,
            lambda: services.case_change_status(
                actor=request.user,
                case=case,
                status=Case.Status.CLOSED,
                expected_version=form.cleaned_data["version"],
            ),
        )
        if outcome.saved:
            messages.success(request, _("The case is closed."))
            return redirect("counselling:case", case_id=case.pk)
        case.refresh_from_db()  # the page shows what is saved now
        return self._render(request, case, form, status=outcome.status)

    @staticmethod
    def _render(
        request: SignedInRequest, case: Case, form: forms.CaseCloseForm, status: int = 200
    ) -> HttpResponse:
        services.case_record_read(actor=request.user, case=case, request=request)
        may_close = Case.Status.CLOSED in services.CASE_TRANSITIONS[Case.Status(case.status)]
        context = {
            "case": case,
            "client": case.client,
            "form": form,
            "may_close": may_close,
            "pathway": FollowUp.Pathway(services.pathway_for(case)).label,
            "due_follow_ups": case.follow_ups.filter(status=FollowUp.Status.DUE).count(),
        }
        return render(request, "counselling/case_close.html", context, status=status)


class GuardianEditView(ServiceFormMixin, CaseView):
    """Correct a guardian's details; a save after someone else's answers 409, typed kept."""

    for_write = True

    def _load(
        self, request: SignedInRequest, case_id: int, guardian_id: int
    ) -> tuple[Case, Guardian]:
        case = self.load_case(request, case_id)
        return case, selectors.get_guardian_for_case(case=case, guardian_id=guardian_id)

    def get(self, request: SignedInRequest, case_id: int, guardian_id: int) -> HttpResponse:
        case, guardian = self._load(request, case_id, guardian_id)
        initial = {name: getattr(guardian, name) for name in services.GUARDIAN_FIELDS}
        form = forms.GuardianEditForm(initial={**initial, "version": guardian.version})
        return self._render(request, case, guardian, form)

    def post(self, request: SignedInRequest, case_id: int, guardian_id: int) -> HttpResponse:
        case, guardian = self._load(request, case_id, guardian_id)
        form = forms.GuardianEditForm(request.POST)
        outcome = self.submit(
            form,
            lambda: services.guardian_update(
                actor=request.user,
                guardian=guardian,
                expected_version=form.cleaned_data["version"],
                **{name: form.cleaned_data[name] for name in services.GUARDIAN_FIELDS},
            ),
        )
        if outcome.saved:
            messages.success(request, _("The guardian's details are saved."))
            return redirect(f"{reverse('counselling:case', args=[case.pk])}#client")
        if outcome.conflict:
            guardian.refresh_from_db()  # the page shows what is saved now
        return self._render(request, case, guardian, form, status=outcome.status)

    @staticmethod
    def _render(
        request: SignedInRequest,
        case: Case,
        guardian: Guardian,
        form: forms.GuardianEditForm,
        status: int = 200,
    ) -> HttpResponse:
        services.case_record_read(actor=request.user, case=case, request=request)
        context = {
            "case": case,
            "client": case.client,
            "guardian": guardian,
            "form": form,
            "title": _("Edit the guardian's details"),
        }
        return render(request, "counselling/guardian_form.html", context, status=status)


class PrintView(CaseView):
    """A clean print layout (no navigation; print CSS). Printing takes the record out of the
    portal on paper, so it is for those who work on the file (`for_write`: the lead, a
    colleague it is shared with to write, the site's supervisors), never a read-only share or
    break-glass; and every answer is audited as a print (`<record>.printed`, with the
    break-glass reason if any), which "who viewed this file" lists as a printout."""

    for_write = True


class CaseSummaryPrintView(PrintView):
    def get(self, request: SignedInRequest, case_id: int) -> HttpResponse:
        case = self.load_case(request, case_id)
        audit_read(request, "counselling.case.printed", case, data={"document": "summary"})
        context = {
            "case": case,
            "client": case.client,
            "printed_at": timezone.localtime(),
            **selectors.case_summary(case=case),
        }
        return render(request, "counselling/print_case_summary.html", context)


class ReferralLetterPrintView(PrintView):
    """The letter to the hospital: only what the referral needs (DOMAIN.md §5.2, minimal
    exposure) — who the child is, whom to call, why and how urgently, on what basis it is
    shared. No presenting concerns, session notes, school or screening results."""

    def get(self, request: SignedInRequest, referral_id: int) -> HttpResponse:
        referral = selectors.get_referral_for_user(user=request.user, referral_id=referral_id)
        if not referral.is_to_hospital:
            raise Http404
        case = self.load_case(request, referral.case_id)
        referral.case = case  # loaded with the child, the counsellor and the site
        outcome = self.call_service_for_letter(referral)
        if outcome is not None:
            return outcome
        audit_read(request, "counselling.referral.printed", referral, data={"case": case.pk})
        context = {
            "referral": referral,
            "case": case,
            "client": case.client,
            "printed_at": timezone.localtime(),
            **selectors.referral_letter(referral=referral),
        }
        return render(request, "counselling/print_referral_letter.html", context)

    def call_service_for_letter(self, referral: Referral) -> HttpResponse | None:
        try:
            services.require_letter_to_hospital(referral=referral)
        except ServiceError as error:
            context = {"case": referral.case, "message": error.message}
            return render(
                self.request, "counselling/print_refused.html", context, status=error.status
            )
        return None


class AppointmentPlanView(CaseFormView):
    template_name = "counselling/case_form.html"
    title = gettext_lazy("Plan an appointment")

    def get_form(
        self, request: SignedInRequest, case: Case, data: QueryDict | None = None
    ) -> forms.AppointmentForm:
        initial = {"duration_minutes": 50, "kind": "counselling", "modality": "face_to_face"}
        return forms.AppointmentForm(data, initial=initial)

    def save(self, request: SignedInRequest, case: Case, form: forms.AppointmentForm) -> str:
        services.appointment_plan(actor=request.user, case=case, **form.cleaned_data)
        return _("The appointment is planned.")


class AppointmentView(ServiceFormMixin, CaseView):
    """Cancel an appointment, after a confirmation page."""

    for_write = True

    def _load(self, request: SignedInRequest, appointment_id: int) -> tuple[Appointment, Case]:
        appointment = selectors.get_appointment_for_user(
            user=request.user, appointment_id=appointment_id
        )
        return appointment, self.load_case(request, appointment.case_id)

    def get(self, request: SignedInRequest, appointment_id: int) -> HttpResponse:
        appointment, case = self._load(request, appointment_id)
        form = VersionedForm(initial={"version": appointment.version})
        return self._render(request, appointment, case, form)

    def post(self, request: SignedInRequest, appointment_id: int) -> HttpResponse:
        appointment, case = self._load(request, appointment_id)
        form = VersionedForm(request.POST)
        outcome = self.submit(
            form,
            lambda: services.appointment_cancel(
                actor=request.user,
                appointment=appointment,
                expected_version=form.cleaned_data["version"],
            ),
        )
        if outcome.saved:
            messages.success(request, _("The appointment is cancelled."))
            return redirect(f"{reverse('counselling:case', args=[case.pk])}#appointments")
        appointment.refresh_from_db()
        return self._render(request, appointment, case, form, status=outcome.status)

    @staticmethod
    def _render(
        request: SignedInRequest,
        appointment: Appointment,
        case: Case,
        form: VersionedForm,
        status: int = 200,
    ) -> HttpResponse:
        services.case_record_read(actor=request.user, case=case, request=request)
        context = {"appointment": appointment, "case": case, "client": case.client, "form": form}
        return render(request, "counselling/appointment_cancel.html", context, status=status)


class AppointmentSessionView(SessionLogView):
    """Log the session an appointment planned, in one step: the form is prefilled from it and
    saving marks it done."""

    title = gettext_lazy("Log the appointment's session")

    def _appointment(self, request: SignedInRequest) -> Appointment:
        if not hasattr(self, "appointment"):
            self.appointment = selectors.get_appointment_for_user(
                user=request.user, appointment_id=self.kwargs["appointment_id"]
            )
        return self.appointment

    def get(self, request: SignedInRequest, appointment_id: int) -> HttpResponse:
        appointment = self._appointment(request)
        if appointment.status != Appointment.Status.PLANNED:
            # A cancelled or already logged appointment has no session to log: the POST refuses
            # it (appointment_to_session), so the form is not offered either.
            raise Http404
        return super().get(request, appointment.case_id)

    def post(self, request: SignedInRequest, appointment_id: int) -> HttpResponse:
        appointment = self._appointment(request)
        return super().post(request, appointment.case_id)

    def get_form(
        self, request: SignedInRequest, case: Case, data: QueryDict | None = None
    ) -> forms.AppointmentSessionForm:
        appointment = self._appointment(request)
        held_at = min(appointment.starts_at, timezone.now())
        initial = {
            "held_at": timezone.localtime(held_at).replace(second=0, microsecond=0),
            "duration_minutes": appointment.duration_minutes,
            "kind": appointment.kind,
            "modality": appointment.modality,
            "attendance": "attended",
            "case_version": case.version,
            "appointment_version": appointment.version,
        }
        crisis = counselling_consent_lapsed_at(case) is not None
        return forms.AppointmentSessionForm(data, initial=initial, crisis=crisis)

    def save(self, request: SignedInRequest, case: Case, form: forms.AppointmentSessionForm) -> str:
        services.appointment_to_session(
            actor=request.user,
            appointment=self._appointment(request),
            expected_version=form.cleaned_data["appointment_version"],
            **form.session_fields(),
        )
        return _("The session is logged and the appointment is done.")
