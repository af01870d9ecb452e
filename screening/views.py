"""The screening pages: campaigns, roster upload with a progress bar and its report, the tracking
board of flagged students, a result (audited), the interview, tier changes and referral."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from centre.audit import audit_read
from centre.forms import ServiceFormMixin, refusal_message
from centre.parameters import id_parameter
from centre.permissions import RecordRoleRequiredMixin, RoleRequiredMixin
from centre.roles import CAMPAIGN_ROLES, CLINICIAN_ROLES, SCREENING_ROLES
from centre.selectors import schools_for_user
from centre.xlsx import xlsx_response
from counselling.intake import IntakeForm
from screening import forms, importing, labels, selectors, services
from screening.models import RosterImport, Tier, TierRequest, TrackingTask

LOWERING_WAITS = gettext_lazy(
    "The request to lower the tier is sent: the tier stands until a second clinician approves it."
)


class WorkspaceView(ServiceFormMixin, RoleRequiredMixin, View):
    """The campaigns the user may see, and a new campaign."""

    roles = CAMPAIGN_ROLES
    title = gettext_lazy("Screening")

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, forms.CampaignForm(schools=schools_for_user(request.user)))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = forms.CampaignForm(request.POST, schools=schools_for_user(request.user))
        outcome = self.submit(
            form, lambda: services.campaign_create(actor=request.user, **form.cleaned_data)
        )
        if outcome.saved:
            messages.success(request, _("The campaign is created."))
            return redirect("screening:campaign", campaign_id=outcome.value.pk)
        return self._render(request, form, status=outcome.status)

    def _render(self, request, form, status=200):
        campaigns = selectors.campaign_visible_to(user=request.user)
        return render(
            request,
            "screening/campaigns.html",
            {"campaigns": campaigns, "form": form},
            status=status,
        )


class CampaignView(RecordRoleRequiredMixin, View):
    roles = CAMPAIGN_ROLES

    def get(self, request: HttpRequest, campaign_id: int) -> HttpResponse:
        campaign = selectors.get_campaign_for_user(user=request.user, campaign_id=campaign_id)
        return self._render(request, campaign, forms.UploadForm())

    def post(self, request: HttpRequest, campaign_id: int) -> HttpResponse:
        """Upload a roster."""
        campaign = selectors.get_campaign_for_user(user=request.user, campaign_id=campaign_id)
        form = forms.UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(request, campaign, form, status=400)
        roster_import = services.roster_upload(
            actor=request.user,
            campaign=campaign,
            upload=form.cleaned_data["file"],
            all_or_nothing=form.cleaned_data["all_or_nothing"],
        )
        return redirect("screening:import", import_id=roster_import.pk)

    @staticmethod
    def _render(request, campaign, form, status=200):
        results = selectors.result_visible_to(user=request.user).filter(campaign=campaign)
        found = dict(results.values_list("tier").annotate(count=Count("*")).order_by())
        counts = {tier: found.get(tier, 0) for tier in Tier.values}
        context = {
            "campaign": campaign,
            "form": form,
            "imports": campaign.imports.select_related("uploaded_by")[:20],
            "tier_counts": [(Tier(tier), count) for tier, count in counts.items()],
            "screened": sum(counts.values()),
        }
        return render(request, "screening/campaign.html", context, status=status)


class TemplateDownloadView(RecordRoleRequiredMixin, View):
    """An empty roster with the campaign's columns, Chinese headers as schools write them."""

    roles = CAMPAIGN_ROLES

    def get(self, request: HttpRequest, campaign_id: int) -> HttpResponse:
        campaign = selectors.get_campaign_for_user(user=request.user, campaign_id=campaign_id)
        header = [aliases[1] for aliases in importing.FIELD_ALIASES.values()]
        for instrument in campaign.instruments:
            prefix = importing.INSTRUMENT_PREFIX[instrument]
            header += [f"{prefix}_{n}" for n in range(1, importing.ITEM_COUNT[instrument] + 1)]
        return xlsx_response(
            request,
            f"roster-template-{campaign.pk}.xlsx",
            header,
            [],
            action="screening.roster_template.exported",
            records=campaign,
        )


class ImportView(RecordRoleRequiredMixin, View):
    """An import's progress (polled by the page) and, when finished, its report."""

    roles = CAMPAIGN_ROLES

    def get(self, request: HttpRequest, import_id: int) -> HttpResponse:
        roster_import = selectors.get_import_for_user(user=request.user, import_id=import_id)
        if request.GET.get("format") == "json":
            return JsonResponse(
                {
                    "status": roster_import.status,
                    "done": roster_import.done_rows,
                    "total": roster_import.total_rows,
                    "finished": roster_import.is_finished,
                }
            )
        audit_read(request, "screening.roster_import.viewed", roster_import)  # its error report
        context = {
            "roster_import": roster_import,
            "campaign": roster_import.campaign,
            "errors": roster_import.errors[:500],
            "running": not roster_import.is_finished,
            "may_undo": selectors.may_undo_import(user=request.user, roster_import=roster_import),
            "show_values": selectors.may_see_import_values(
                user=request.user, roster_import=roster_import
            ),
        }
        return render(request, "screening/import.html", context)


class ImportErrorsView(RecordRoleRequiredMixin, View):
    roles = CAMPAIGN_ROLES

    def get(self, request: HttpRequest, import_id: int) -> HttpResponse:
        roster_import = selectors.get_import_for_user(user=request.user, import_id=import_id)
        header = [_("Row"), _("Column"), _("Reason")]
        rows = [[error["row"], error["column"], error["reason"]] for error in roster_import.errors]
        if selectors.may_see_import_values(user=request.user, roster_import=roster_import):
            header.append(_("Value"))
            for row, error in zip(rows, roster_import.errors, strict=True):
                row.append(error.get("value", ""))
        return xlsx_response(
            request,
            f"roster-errors-{roster_import.pk}.xlsx",
            header,
            rows,
            action="screening.roster_errors.exported",
            records=roster_import,
        )


class ImportUndoView(ServiceFormMixin, RecordRoleRequiredMixin, View):
    """Undo an import, after a confirmation page that says how many results it removes and how
    many it keeps (those a clinician has worked on)."""

    roles = CAMPAIGN_ROLES

    def get(self, request: HttpRequest, import_id: int) -> HttpResponse:
        roster_import = self._import(request, import_id)
        context = {
            "roster_import": roster_import,
            "plan": services.roster_import_undo_plan(roster_import),
        }
        return render(request, "screening/import_undo.html", context)

    def post(self, request: HttpRequest, import_id: int) -> HttpResponse:
        roster_import = self._import(request, import_id)
        outcome = self.call_service(
            None,
            lambda: services.roster_import_undo(actor=request.user, roster_import=roster_import),
        )
        if not outcome.saved:
            messages.error(request, refusal_message(outcome))
            return redirect("screening:import", import_id=roster_import.pk)
        plan = outcome.value
        if plan.kept_total:
            messages.warning(request, services.undo_message(plan))
        else:
            messages.success(request, _("The import is undone."))
        return redirect("screening:campaign", campaign_id=roster_import.campaign_id)

    @staticmethod
    def _import(request, import_id: int) -> RosterImport:
        roster_import = selectors.get_import_for_user(user=request.user, import_id=import_id)
        if roster_import.status != RosterImport.Status.DONE:
            raise Http404
        if not selectors.may_undo_import(user=request.user, roster_import=roster_import):
            raise PermissionDenied
        return roster_import


class BoardView(RoleRequiredMixin, View):
    """Flagged students per school and site: tier in colour and words, next action, due date,
    status; overdue first."""

    roles = SCREENING_ROLES

    def get(self, request: HttpRequest) -> HttpResponse:
        campaign = None
        campaign_id = id_parameter(request.GET, "campaign")
        if campaign_id is not None:
            campaign = selectors.get_campaign_for_user(user=request.user, campaign_id=campaign_id)
        tier = request.GET.get("tier", "")
        tier = tier if tier in Tier.values else ""
        tasks = list(
            selectors.tracking_board(user=request.user, campaign=campaign, tier=tier)[:500]
        )
        tier_requests = list(selectors.tier_requests_to_decide(user=request.user)[:100])
        # Both lists name students: one entry with every result shown.
        shown = [task.result for task in tasks] + [asked.result for asked in tier_requests]
        audit_read(request, "screening.result.listed", shown)
        context = {
            "tasks": tasks,
            "campaign": campaign,
            "tier": tier,
            "tiers": Tier.choices,
            "tier_requests": tier_requests,
        }
        return render(request, "screening/board.html", context)


class ResultView(ServiceFormMixin, RecordRoleRequiredMixin, View):
    """One student's result. Reading it is audited; scores only for clinical staff."""

    roles = SCREENING_ROLES

    def get(self, request: HttpRequest, result_id: int) -> HttpResponse:
        result = selectors.get_result_for_user(user=request.user, result_id=result_id)
        audit_read(request, "screening.result.viewed", result)
        return self._render(request, result)

    def post(self, request: HttpRequest, result_id: int) -> HttpResponse:
        result = selectors.get_result_for_user(user=request.user, result_id=result_id)
        if not selectors.may_see_scores(user=request.user):
            raise PermissionDenied
        action = request.POST.get("action")
        if action == "cssrs":
            form = forms.CssrsForm(request.POST)
            outcome = self.submit(
                form,
                lambda: services.result_record_cssrs(
                    actor=request.user, result=result, answers=form.answers()
                ),
            )
            if outcome.saved:
                tier = Tier(outcome.value).label
                messages.success(request, _("The tier is confirmed: %(tier)s.") % {"tier": tier})
                return redirect("screening:result", result_id=result.pk)
            return self._render(request, result, cssrs_form=form, status=outcome.status)
        if action == "tier":
            form = forms.TierForm(request.POST)
            outcome = self.submit(
                form,
                lambda: services.result_change_tier(
                    actor=request.user, result=result, **form.cleaned_data
                ),
            )
            if outcome.saved:
                if outcome.value is None:
                    messages.success(request, _("The tier is changed."))
                else:
                    messages.info(request, LOWERING_WAITS)
                return redirect("screening:result", result_id=result.pk)
            return self._render(request, result, tier_form=form, status=outcome.status)
        if action in ("approve", "decline"):
            return self._decide(request, result, approve=action == "approve")
        raise Http404

    def _decide(self, request, result, *, approve: bool) -> HttpResponse:
        """A second clinician's decision on a request to lower the tier of this result."""
        tier_request = selectors.get_tier_request_of_result(
            result=result, request_id=id_parameter(request.POST, "request")
        )
        outcome = self.call_service(
            None,
            lambda: services.tier_request_decide(
                actor=request.user, tier_request=tier_request, approve=approve
            ),
        )
        if not outcome.saved:
            messages.error(request, refusal_message(outcome))
        else:
            decided = outcome.value
            outcome = {
                TierRequest.Status.APPROVED: _("The tier is lowered."),
                TierRequest.Status.DECLINED: _("The request is declined; the tier stands."),
                TierRequest.Status.SUPERSEDED: _(
                    "The tier changed after the request, so nothing was lowered; "
                    "ask again if it should still be lowered."
                ),
            }
            messages.info(request, outcome[decided.status])
        return redirect("screening:result", result_id=result.pk)

    @staticmethod
    def _render(request, result, cssrs_form=None, tier_form=None, status=200):
        clinical = selectors.may_see_scores(user=request.user)
        context = {
            "result": result,
            "student": result.student,
            "clinical": clinical,
            "tasks": result.tasks.all(),
            "changes": result.changes.select_related("changed_by", "signed_off_by"),
            "pending": result.tier_requests.filter(status=TierRequest.Status.PENDING)
            .select_related("requested_by")
            .first(),
        }
        if clinical:
            context |= {
                "scores": labels.labelled_scores(result.scores),
                "cssrs_form": cssrs_form or forms.CssrsForm(),
                "tier_form": tier_form or forms.TierForm(initial={"tier": result.tier}),
            }
        return render(request, "screening/result.html", context, status=status)


class ReferView(ServiceFormMixin, RecordRoleRequiredMixin, View):
    """Refer a flagged student along the green channel: the counselling intake, prefilled."""

    roles = CLINICIAN_ROLES

    def _task(self, request, task_id: int) -> TrackingTask:
        return selectors.get_task_for_user(user=request.user, task_id=task_id)

    def get(self, request: HttpRequest, task_id: int) -> HttpResponse:
        task = self._task(request, task_id)
        student = task.result.student
        initial = {
            "full_name": student.full_name,
            "date_of_birth": student.birth_date,
            "school": student.school_id,
            "sex": student.sex,
            "grade": student.grade,
            "class_name": student.class_name,
            "source": "screening",
            "risk_level": {"red": "high", "orange": "moderate", "yellow": "low"}.get(
                task.result.tier, "none"
            ),
        }
        return self._render(request, task, IntakeForm(initial=initial))

    def post(self, request: HttpRequest, task_id: int) -> HttpResponse:
        task = self._task(request, task_id)
        form = IntakeForm(request.POST)
        outcome = self.submit(
            form, lambda: services.task_refer(actor=request.user, task=task, intake=form.intake())
        )
        if outcome.saved:
            messages.success(request, _("The case is open (green channel)."))
            return redirect("counselling:case", case_id=outcome.value.pk)
        return self._render(request, task, form, status=outcome.status)

    @staticmethod
    def _render(request, task, form, status=200):
        # The form shows the student's name and date of birth.
        audit_read(request, "screening.referral_form.viewed", task.result)
        return render(request, "screening/refer.html", {"task": task, "form": form}, status=status)
