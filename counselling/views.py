"""The counsellors' pages. Each view parses, calls a selector or a service, and renders.

Every case page starts from `get_case_for_user`: a case the user may not see answers 404, exactly
like a missing one. Every page that shows the file writes a read audit entry."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from centre.audit import audit_log, audit_read
from centre.forms import ServiceFormMixin, VersionedForm
from centre.http import SignedInRequest
from centre.permissions import RecordRoleRequiredMixin, RoleRequiredMixin
from centre.roles import (
    BREAK_GLASS_ROLES,
    CASE_FILE_ROLES,
    CLINICIAN_ROLES,
    Role,
    has_any_role,
)
from counselling import forms, intake, selectors, services
from counselling.models import Case, Consent, FollowUp, Referral


class CaseloadView(RoleRequiredMixin, View):
    """My caseload: what needs attention first; filters by status and risk."""

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
        page = Paginator(cases, self.per_page).get_page(request.GET.get("page"))
        audit_read(request, "counselling.case.listed", page.object_list)
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "counselling/caseload.html",
            {"filters": filters, "page": page, "query": query.urlencode()},
        )


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
        audit_log(
            actor=request.user,
            action="counselling.client.searched",
            request=request,
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
            "follow_up_form": forms.FollowUpAddForm(),
            "may_change": may_change,
            "may_assign": may_change and request.user.has_role(Role.SUPERVISOR),
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
            "status_choices": [
                (value, label)
                for value, label in Case.Status.choices
                if value in services.CASE_TRANSITIONS[Case.Status(case.status)]
            ],
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
            return redirect(f"{reverse('counselling:case', args=[case.pk])}#referrals")
        for error in form.errors.values():
            messages.error(request, " ".join(map(str, error)))
        return redirect(f"{reverse('counselling:case', args=[case.pk])}#referrals")


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
        services.case_record_read(actor=request.user, case=case, request=request, what="session")
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
    "counselling.export.viewed": gettext_lazy("an export"),
    "counselling.follow_up.viewed": gettext_lazy("a follow-up"),
    "counselling.client.viewed": gettext_lazy("the child's details"),
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
        for entry in entries:
            entry.what = viewed_what(entry.action)  # type: ignore[attr-defined]  # for the page
        return render(
            request,
            "counselling/viewers.html",
            {"case": case, "client": case.client, "entries": entries},
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
        conferences = selectors.conferences_for_user(user=request.user)
        return render(
            request,
            "counselling/conferences.html",
            {"form": form, "conferences": conferences[:24]},
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
        bound = {name: form_class(initial=initial) for name, form_class in self.actions.items()}
        return self._render(request, follow_up, case, bound)

    def post(self, request, follow_up_id: int):
        follow_up, case = self._load(request, follow_up_id)
        action = request.POST.get("action", "")
        if action not in self.actions:
            raise Http404
        form = self.actions[action](request.POST)
        outcome = self.submit(form, lambda: self._apply(request, follow_up, action, form))
        if outcome.saved:
            messages.success(request, _("The follow-up is updated."))
            return redirect(f"{reverse('counselling:case', args=[case.pk])}#follow-ups")
        follow_up.refresh_from_db()
        initial = {"version": follow_up.version, "due_at": timezone.localtime(follow_up.due_at)}
        bound = {name: form_class(initial=initial) for name, form_class in self.actions.items()}
        bound[action] = form
        return self._render(request, follow_up, case, bound, status=outcome.status)

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
