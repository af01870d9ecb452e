"""The screening pages: campaigns, roster upload with a progress bar and its report, the tracking
board of flagged students, a result (audited), the interview, tier changes and referral; and the
online self-assessment's public pages and the liaison's online classes."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View

from centre.audit import audit_export, audit_read
from centre.errors import NotFoundError, ServiceError
from centre.forms import ServiceFormMixin, refusal_message
from centre.http import SignedInRequest
from centre.paging import NEWER, OLDER, keyset_page
from centre.parameters import id_parameter, text_parameter
from centre.permissions import RecordRoleRequiredMixin, RoleRequiredMixin
from centre.public import PublicPageMixin
from centre.qr import qr_svg
from centre.roles import CAMPAIGN_ROLES, CLINICIAN_ROLES, SCREENING_ROLES, has_any_role
from centre.selectors import schools_for_user
from centre.throttling import page_try, page_try_refund
from centre.xlsx import xlsx_response
from counselling import selectors as counselling_selectors
from counselling.intake import IntakeForm
from screening import forms, importing, labels, online_questions, selectors, services, task_sheet
from screening.models import (
    ConsentBasis,
    LeftReason,
    OnlineSession,
    OnlineWindow,
    RosterImport,
    ScreeningResult,
    StudentConsent,
    Tier,
    TierRequest,
    TrackingTask,
)
from screening.services import leaving, online

LOWERING_WAITS = gettext_lazy(
    "The request to lower the tier is sent: the tier stands until a second clinician approves it."
)


class WorkspaceView(ServiceFormMixin, RoleRequiredMixin, View):
    """The campaigns the user may see, and a new campaign."""

    roles = CAMPAIGN_ROLES
    title = gettext_lazy("Screening")

    def get(self, request: SignedInRequest) -> HttpResponse:
        return self._render(request, forms.CampaignForm(schools=schools_for_user(request.user)))

    def post(self, request: SignedInRequest) -> HttpResponse:
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

    def get(self, request: SignedInRequest, campaign_id: int) -> HttpResponse:
        campaign = selectors.get_campaign_for_user(user=request.user, campaign_id=campaign_id)
        return self._render(request, campaign, forms.UploadForm())

    def post(self, request: SignedInRequest, campaign_id: int) -> HttpResponse:
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
            "online_form": forms.OnlineOpenForm(classes=selectors.campaign_classes(campaign)),
            "online_progress": selectors.online_progress(campaign=campaign),
            "consent_choices": ConsentBasis.choices,
            "grades": selectors.campaign_grades(campaign),
        }
        return render(request, "screening/campaign.html", context, status=status)


class TemplateDownloadView(RecordRoleRequiredMixin, View):
    """An empty roster with the campaign's columns, Chinese headers as schools write them."""

    roles = CAMPAIGN_ROLES

    def get(self, request: SignedInRequest, campaign_id: int) -> HttpResponse:
        campaign = selectors.get_campaign_for_user(user=request.user, campaign_id=campaign_id)
        header = [aliases[1] for aliases in importing.FIELD_ALIASES.values()]
        for instrument in campaign.instruments:
            prefix = importing.INSTRUMENT_PREFIX[instrument]
            header += [f"{prefix}_{n}" for n in range(1, importing.ITEM_COUNT[instrument] + 1)]
            if instrument == "PHQ-A":  # the supplementary questions a–d (optional)
                header += list(importing.SUPPLEMENTARY_COLUMNS)
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

    def get(self, request: SignedInRequest, import_id: int) -> HttpResponse:
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


def error_row(error: dict) -> int | str:
    """A bad row as the report names it: its number, after its sheet's name in a workbook read
    sheet by sheet."""
    return f"{error['sheet']} · {error['row']}" if error.get("sheet") else error["row"]


class ImportErrorsView(RecordRoleRequiredMixin, View):
    roles = CAMPAIGN_ROLES

    def get(self, request: SignedInRequest, import_id: int) -> HttpResponse:
        roster_import = selectors.get_import_for_user(user=request.user, import_id=import_id)
        header = [_("Row"), _("Column"), _("Reason")]
        rows = [
            [error_row(error), error["column"], error["reason"]] for error in roster_import.errors
        ]
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

    def get(self, request: SignedInRequest, import_id: int) -> HttpResponse:
        roster_import = self._import(request, import_id)
        context = {
            "roster_import": roster_import,
            "plan": services.roster_import_undo_plan(roster_import),
        }
        return render(request, "screening/import_undo.html", context)

    def post(self, request: SignedInRequest, import_id: int) -> HttpResponse:
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


def board_filter(request: SignedInRequest, *, search: str = "") -> selectors.BoardFilter:
    """The board's filters from the query string; a value that names nothing is no filter, a
    value that cannot mean anything (NUL, an essay, `²` for an id) a 400. The search by student
    number or name is never read from the query string (a name in an address stays in logs and
    histories): `BoardView.post` passes it from the body."""
    params = request.GET
    campaign = None
    campaign_id = id_parameter(params, "campaign")
    if campaign_id is not None:
        campaign = selectors.get_campaign_for_user(user=request.user, campaign_id=campaign_id)
    tier = text_parameter(params, "tier")
    status = text_parameter(params, "status") or TrackingTask.Status.OPEN
    return selectors.BoardFilter(
        campaign=campaign,
        grade=text_parameter(params, "grade", max_length=20),
        class_name=text_parameter(params, "class", max_length=20),
        tier=tier if tier in Tier.values else "",
        status=""
        if status == "all"
        else status
        if status in TrackingTask.Status.values
        else "open",
        overdue=params.get("overdue") == "1",
        search=search,
    )


def filter_query(request: SignedInRequest, *, drop: tuple[str, ...] = (OLDER, NEWER)) -> str:
    """The page's filters, urlencoded, for its pager and its download links (never a search:
    "q" is not passed on)."""
    params = request.GET.copy()
    for name in (*drop, "q"):
        params.pop(name, None)
    return params.urlencode()


class BoardView(RoleRequiredMixin, View):
    """Flagged students' tasks per school and site, paged (`centre.paging`): tier in colour and
    words, next action, due date, status; the earliest due first, so the overdue lead."""

    roles = SCREENING_ROLES
    per_page = 50

    def get(self, request: SignedInRequest) -> HttpResponse:
        board = board_filter(request)
        tasks = selectors.tracking_board(user=request.user, board=board)
        page = keyset_page(
            tasks, request.GET, order=("due_at", "id"), per_page=self.per_page, ascending=True
        )
        return self._render(request, board, page, list(page.object_list))

    def post(self, request: SignedInRequest) -> HttpResponse:
        """The search by student number or name: a POST, like the caseload's, so no name is in
        an address; the other filters stay in the query string of the form's action. The first
        `per_page` matches, unpaged (a pager's links would have to carry the name)."""
        board = board_filter(request, search=text_parameter(request.POST, "q", max_length=100))
        if not board.search:
            return redirect(f"{reverse('screening:board')}?{filter_query(request)}")
        tasks = list(selectors.tracking_board(user=request.user, board=board)[: self.per_page])
        return self._render(request, board, None, tasks, searched=True)

    def _render(
        self,
        request: SignedInRequest,
        board: selectors.BoardFilter,
        page: Any,
        tasks: list[TrackingTask],
        *,
        searched: bool = False,
    ) -> HttpResponse:
        tier_requests = list(selectors.tier_requests_to_decide(user=request.user)[:100])
        # Both lists name students: one entry with every result shown.
        shown = [task.result for task in tasks]
        shown += [asked.result for asked in tier_requests]
        audit_read(request, "screening.result.listed", shown)
        classes = selectors.board_classes(user=request.user, campaign=board.campaign)
        context = {
            "page": page,
            "tasks": tasks,
            "searched": searched,
            "search_limited": searched and len(tasks) >= self.per_page,
            "board": board,
            "campaign": board.campaign,
            "tiers": Tier.choices,
            "statuses": TrackingTask.Status.choices,
            "grades": sorted({grade for grade, _class in classes if grade}),
            "classes": sorted({name for _grade, name in classes if name}),
            "tier_requests": tier_requests,
            "may_complete": has_any_role(request.user, CAMPAIGN_ROLES),
            "query": filter_query(request),
            "sheet_query": filter_query(request, drop=(OLDER, NEWER, "tier", "status")),
        }
        return render(request, "screening/board.html", context)


class TaskSheetView(RoleRequiredMixin, View):
    """The class teachers' task sheet of the board's students (its filters but tier and
    status): XLSX, or a page to print. Tasks, never data (DOMAIN.md §5.2); audited."""

    roles = SCREENING_ROLES

    def get(self, request: SignedInRequest, output: str) -> HttpResponse:
        board = board_filter(request)
        tasks = list(selectors.task_sheet(user=request.user, board=board)[: task_sheet.MAX_TASKS])
        rows = task_sheet.sheet_rows(tasks)
        shown = [task.result for task in tasks]
        day = timezone.localdate().isoformat()
        if output == "xlsx":
            return xlsx_response(
                request,
                f"task-sheet-{day}.xlsx",
                task_sheet.header(),
                [task_sheet.as_cells(row) for row in rows],
                action="screening.task_sheet.exported",
                records=shown,
            )
        audit_export(
            request, "screening.task_sheet.printed", shown, filename=f"task-sheet-{day}.html"
        )
        context = {
            "rows": rows,
            "header": task_sheet.header(),
            "board": board,
            "capped": len(tasks) == task_sheet.MAX_TASKS,
            "today": day,
        }
        return render(request, "screening/task_sheet.html", context)


class ResultView(ServiceFormMixin, RecordRoleRequiredMixin, View):
    """One student's result. Reading it is audited; scores only for clinical staff."""

    roles = SCREENING_ROLES

    def get(self, request: SignedInRequest, result_id: int) -> HttpResponse:
        result = selectors.get_result_for_user(user=request.user, result_id=result_id)
        audit_read(request, "screening.result.viewed", result)
        return self._render(request, result)

    def post(self, request: SignedInRequest, result_id: int) -> HttpResponse:
        result = selectors.get_result_for_user(user=request.user, result_id=result_id)
        action = request.POST.get("action")
        if action == "cssrs" and not selectors.may_record_cssrs(user=request.user, result=result):
            raise PermissionDenied
        if action != "cssrs" and not selectors.may_see_scores(user=request.user):
            raise PermissionDenied
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
            form = forms.TierForm(request.POST)  # type: ignore[assignment]  # this branch's form
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
            said = {
                TierRequest.Status.APPROVED: _("The tier is lowered."),
                TierRequest.Status.DECLINED: _("The request is declined; the tier stands."),
                TierRequest.Status.SUPERSEDED: _(
                    "The tier changed after the request, so nothing was lowered; "
                    "ask again if it should still be lowered."
                ),
            }
            messages.info(request, said[decided.status])
        return redirect("screening:result", result_id=result.pk)

    @staticmethod
    def _render(request, result, cssrs_form=None, tier_form=None, status=200):
        clinical = selectors.may_see_scores(user=request.user)
        context = {
            "result": result,
            "student": result.student,
            "clinical": clinical,
            "tasks": result.tasks.select_related("done_by"),
            "feedback": selectors.school_feedback(user=request.user, result=result),
            "may_complete": has_any_role(request.user, CAMPAIGN_ROLES),
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
        elif selectors.may_take_over(user=request.user, result=result):
            context |= ResultView._take_over(request, result, context["tasks"])
            context["cssrs_form"] = cssrs_form or forms.CssrsForm()
        return render(request, "screening/result.html", context, status=status)

    @staticmethod
    def _take_over(
        request: SignedInRequest, result: ScreeningResult, tasks: QuerySet[TrackingTask]
    ) -> dict[str, Any]:
        """What the crisis team needs to act: the school and its liaison, the guardians of a
        referred student's case (a read of that child's file, audited), the interview."""
        case_ids = sorted({task.case_id for task in tasks if task.case_id})
        guardians = list(counselling_selectors.guardians_of_cases(case_ids=case_ids))
        clients = list({guardian.client.pk: guardian.client for guardian in guardians}.values())
        if clients:
            audit_read(
                request,
                "counselling.client.viewed",
                clients[0] if len(clients) == 1 else clients,
                data={"guardian_contacts": True, "result": result.pk},
            )
        return {
            "take_over": True,
            "school": result.campaign.school,
            "liaison": result.campaign.liaison,
            "guardians": guardians,
        }


class TaskDoneView(ServiceFormMixin, RecordRoleRequiredMixin, View):
    """Mark a school-side task (the class teacher's watch) done, with its outcome."""

    roles = CAMPAIGN_ROLES

    def get(self, request: SignedInRequest, task_id: int) -> HttpResponse:
        task = self._task(request, task_id)
        return self._render(request, task, forms.TaskDoneForm())

    def post(self, request: SignedInRequest, task_id: int) -> HttpResponse:
        task = self._task(request, task_id)
        form = forms.TaskDoneForm(request.POST)
        outcome = self.submit(
            form,
            lambda: services.task_complete(
                actor=request.user,
                task=task,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["outcome_note"],
            ),
        )
        if outcome.saved:
            messages.success(request, _("The task is marked done."))
            return redirect("screening:board")
        return self._render(request, task, form, status=outcome.status)

    @staticmethod
    def _task(request: SignedInRequest, task_id: int) -> TrackingTask:
        task = selectors.get_task_for_user(user=request.user, task_id=task_id)
        if not task.is_school_side:
            raise Http404  # a clinician's task is done on the result page
        return task

    @staticmethod
    def _render(request, task, form, status=200):
        audit_read(request, "screening.task.viewed", task.result)  # the page names the student
        return render(
            request, "screening/task_done.html", {"task": task, "form": form}, status=status
        )


class ReferView(ServiceFormMixin, RecordRoleRequiredMixin, View):
    """Refer a flagged student along the green channel: the counselling intake, prefilled."""

    roles = CLINICIAN_ROLES

    def _task(self, request, task_id: int) -> TrackingTask:
        return selectors.get_task_for_user(user=request.user, task_id=task_id)

    def get(self, request: SignedInRequest, task_id: int) -> HttpResponse:
        task = self._task(request, task_id)
        student = task.result.student
        initial = {
            "full_name": student.full_name,
            "date_of_birth": student.birth_date,
            "school": student.school_id,
            "sex": student.sex,
            "grade": student.grade,
            "class_name": student.class_name,
            "student_no": student.student_no,
            "source": "screening",
            "risk_level": {"red": "high", "orange": "moderate", "yellow": "low"}.get(
                task.result.tier, "none"
            ),
        }
        return self._render(request, task, IntakeForm(initial=initial))

    def post(self, request: SignedInRequest, task_id: int) -> HttpResponse:
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


# The online self-assessment. Public, for students who never sign in: the code (CSRF, rate
# limited per address and per code), one question per screen (a POST per answer, no JavaScript
# needed), submit, a neutral thank-you (never a score). The student's session id is kept in their
# signed cookie session, never in the URL. For the liaison: open a class online (the printable
# sheet of slips, shown once) and the progress per class (counts only).


SESSION_KEY = "online_assessment"
# Set when the answers are sent, taken by the thank-you page: shown once, so that the next
# student on a shared computer never learns whether help was offered to the last.
THANKS_KEY = "online_assessment_thanks"
# Refusals a student sees as a page of its own (the code is right, but cannot be used now).
REFUSED_PAGES = frozenset({"used", "closed", "not_open", "no_consent", "withdrawn", "not_agreed"})
# Of those, the ones about consent: a page that asks kindly to see the teacher, no "cannot".
CONSENT_REFUSALS = frozenset({"no_consent", "withdrawn"})
# Sent by portal.js with an answer: the response is the next question's page itself (a 200),
# which the script puts in place, instead of a redirect and a second request for it.
NEXT_STEP_HEADER = "X-Online-Step"


def _session(request: HttpRequest) -> OnlineSession | None:
    session_id = request.session.get(SESSION_KEY)
    if not isinstance(session_id, int):
        return None
    return selectors.online_session(session_id=session_id)


def _refused(request: HttpRequest, message: object, status: int = 400) -> HttpResponse:
    return render(request, "screening/online/refused.html", {"message": message}, status=status)


def _refusal(request: HttpRequest, error: ServiceError) -> HttpResponse:
    """The page for a code that is right but cannot go on now: the first screen again when the
    student has not agreed yet, the kind "ask your teacher" page when consent is missing."""
    if error.code == "not_agreed":
        return redirect("screening:online_agree")
    if error.code in CONSENT_REFUSALS:
        context = {"message": error.message, "consent": True}
        return render(request, "screening/online/refused.html", context, status=403)
    return _refused(request, error.message)


class OnlineStartView(PublicPageMixin, ServiceFormMixin, View):
    """Enter the code from the slip: a new start, or back to where one stopped."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "screening/online/start.html", {"form": forms.OnlineCodeForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = forms.OnlineCodeForm(request.POST)
        typed = online.code_hash(str(form.data.get("code", "")))
        if not page_try(request, "online_address") or not page_try(request, "online_code", typed):
            message = _("Too many tries. Wait a little, then try again, or ask your teacher.")
            return _refused(request, message, status=429)
        outcome = self.submit(form, lambda: online.online_start(code=form.cleaned_data["code"]))
        if outcome.saved:
            page_try_refund(request, "online_address")
            page_try_refund(request, "online_code", typed)
            if request.session.session_key is not None:
                request.session.cycle_key()  # a session id planted before the start is dead
            request.session.pop(THANKS_KEY, None)
            request.session[SESSION_KEY] = outcome.value.pk
            return redirect("screening:online_question")
        if outcome.error is not None and outcome.error.code in REFUSED_PAGES:
            return _refusal(request, outcome.error)
        return render(request, "screening/online/start.html", {"form": form}, status=400)


def _going_on(
    request: HttpRequest, *, agreed: bool
) -> tuple[OnlineSession, selectors.ConsentState] | HttpResponse:
    """The student's session while it can go on (its window open, the consent it needs in force
    and, with `agreed`, their "I agree" given) with its consent; otherwise the page instead."""
    session = _session(request)
    if session is None:
        return redirect("screening:online")
    if session.submitted_at is not None:
        return redirect("screening:online_thanks")
    refusal = online.session_refusal(session)
    if refusal is not None:
        return _refusal(request, refusal)
    try:
        state = online.online_consent(session.code, agreed=agreed)
    except online.CodeRefusedError as error:
        return _refusal(request, error)
    return session, state


class OnlineAgreeView(PublicPageMixin, ServiceFormMixin, View):
    """The first screen: what the questionnaire is for and who sees the answers, in words a
    primary-school child reads, and "I agree". From 14 the student's own consent (their guardians
    were told by the campaign's notice); under 14 their assent beside the guardian's."""

    def get(self, request: HttpRequest) -> HttpResponse:
        going_on = _going_on(request, agreed=False)
        if isinstance(going_on, HttpResponse):
            return going_on
        _session_open, state = going_on
        if state.student_given:
            return redirect("screening:online_question")
        context = {"own_consent": not state.guardian_needed}
        return render(request, "screening/online/agree.html", context)

    def post(self, request: HttpRequest) -> HttpResponse:
        session_id = request.session.get(SESSION_KEY)
        if not isinstance(session_id, int):
            return redirect("screening:online")
        try:  # the service reads and locks the session: once, not twice
            outcome = self.call_service(None, lambda: online.online_agree(session_id=session_id))
        except NotFoundError:
            return redirect("screening:online")
        if outcome.saved:
            return redirect("screening:online_question")
        if outcome.error is not None and outcome.error.code in REFUSED_PAGES:
            return _refusal(request, outcome.error)
        return redirect("screening:online")


class OnlineQuestionView(PublicPageMixin, ServiceFormMixin, View):
    """One question per screen; `?n=` goes back to an answered one. All answered: submit."""

    def get(self, request: HttpRequest) -> HttpResponse:
        going_on = _going_on(request, agreed=True)
        if isinstance(going_on, HttpResponse):
            return going_on
        session, _state = going_on
        return self._page(request, session)

    def post(self, request: HttpRequest) -> HttpResponse:
        session_id = request.session.get(SESSION_KEY)
        if not isinstance(session_id, int):
            return redirect("screening:online")
        key = request.POST.get("key", "")
        question = online_questions.question_by_key(key)
        if question is None:
            return redirect("screening:online_question")
        form = forms.OnlineAnswerForm(request.POST, choices=list(question.choices))
        # The service reads and locks the session once, and checks there that it may go on
        # (window, consent) and that its campaign asks this question: one query, not two.
        try:
            outcome = self.submit(
                form,
                lambda: online.online_answer(
                    session_id=session_id, key=key, value=form.cleaned_data["answer"]
                ),
            )
        except NotFoundError:
            return redirect("screening:online")
        if outcome.saved and request.headers.get(NEXT_STEP_HEADER) == "next":
            # The page's script asks for the next question in the answer's own response: one
            # request a question, not two.
            return self._page(request, outcome.value)
        if outcome.saved:
            return redirect("screening:online_question")
        if outcome.error is not None and outcome.error.code == "used":
            return redirect("screening:online_thanks")
        if outcome.error is not None and outcome.error.code in REFUSED_PAGES:
            return _refusal(request, outcome.error)
        return self._refused_answer(request, key, form)

    def _refused_answer(
        self, request: HttpRequest, key: str, form: forms.OnlineAnswerForm
    ) -> HttpResponse:
        """The question again with why its answer was refused (none chosen, not a choice)."""
        session = _session(request)
        if session is None:
            return redirect("screening:online")
        asked = online_questions.questions(session.code.window.campaign.instruments)
        keys = [question.key for question in asked]
        if key not in keys:  # a question of another campaign's
            return redirect("screening:online_question")
        return self._render(request, asked, keys.index(key), form, status=400)

    def _page(self, request: HttpRequest, session: OnlineSession) -> HttpResponse:
        """The question asked for (`_index`) with the student's answer to it, or the review
        page."""
        asked = online_questions.questions(session.code.window.campaign.instruments)
        index = self._index(request, session, asked)
        if index is None:
            return render(request, "screening/online/review.html", {"total": len(asked)})
        question = asked[index]
        initial = session.answers.get(question.key)
        form = forms.OnlineAnswerForm(
            initial={"answer": str(initial) if initial is not None else None},
            choices=list(question.choices),
        )
        return self._render(request, asked, index, form)

    @staticmethod
    def _index(
        request: HttpRequest, session: OnlineSession, asked: list[online_questions.Question]
    ) -> int | None:
        unanswered = [i for i, q in enumerate(asked) if q.key not in session.answers]
        first = unanswered[0] if unanswered else None
        wanted = request.GET.get("n", "")
        if wanted.isdecimal() and len(wanted) < 4:
            number = int(wanted) - 1
            if 0 <= number < len(asked) and (first is None or number <= first):
                return number
        return first

    @staticmethod
    def _render(request, asked, index, form, status=200):
        context = {
            "question": asked[index],
            "number": index + 1,
            "total": len(asked),
            "form": form,
        }
        return render(request, "screening/online/question.html", context, status=status)


class OnlineSubmitView(PublicPageMixin, ServiceFormMixin, View):
    def post(self, request: HttpRequest) -> HttpResponse:
        session_id = request.session.get(SESSION_KEY)
        if not isinstance(session_id, int):
            return redirect("screening:online")
        try:  # the service reads and locks the session: once, not twice
            outcome = self.call_service(None, lambda: online.online_submit(session_id=session_id))
        except NotFoundError:
            return redirect("screening:online")
        if outcome.saved:
            # The browser forgets the code's session: a copied cookie, the back button or the
            # next student finds nothing; the thank-you page is shown once.
            request.session.cycle_key()
            del request.session[SESSION_KEY]
            request.session[THANKS_KEY] = {"crisis": online.is_crisis(outcome.value)}
            return redirect("screening:online_thanks")
        if outcome.error is not None and outcome.error.code in REFUSED_PAGES:
            return _refusal(request, outcome.error)
        return redirect("screening:online_question")


class OnlineThanksView(PublicPageMixin, View):
    """Thank you, and where help is: never a score, band or tier. Shown once (`THANKS_KEY`)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        thanks = request.session.pop(THANKS_KEY, None)
        if not isinstance(thanks, dict):
            return redirect("screening:online")
        context = {
            "crisis": thanks.get("crisis") is True,
            "centre_line": settings.CENTRE_HELPLINE,
        }
        return render(request, "screening/online/thanks.html", context)


class OnlineOpenView(RecordRoleRequiredMixin, ServiceFormMixin, View):
    """Open the campaign online for a class: the sheet of slips, shown once, to print."""

    roles = CAMPAIGN_ROLES

    def post(self, request: SignedInRequest, campaign_id: int) -> HttpResponse:
        campaign = selectors.get_campaign_for_user(user=request.user, campaign_id=campaign_id)
        form = forms.OnlineOpenForm(request.POST, classes=selectors.campaign_classes(campaign))
        outcome = self.submit(
            form,
            lambda: online.online_open(
                actor=request.user, campaign=campaign, class_name=form.cleaned_data["class_name"]
            ),
        )
        if not outcome.saved:
            if outcome.error is not None:
                messages.error(request, str(outcome.error.message))
            else:
                messages.error(request, _("Choose a class."))
            return redirect("screening:campaign", campaign_id=campaign.pk)
        window, slips = outcome.value
        return slips_page(request, window, slips)


def slips_page(request: SignedInRequest, window: OnlineWindow, slips: list[Any]) -> HttpResponse:
    """The printable slips of `slips` (student, code): shown once, the codes never kept."""
    link = request.build_absolute_uri(reverse("screening:online"))
    audit_read(request, "screening.online_slips.viewed", window)
    context = {
        "campaign": window.campaign,
        "window": window,
        "link": link,
        "qr": qr_svg(link),
        "slips": [{"student": student, "code": _spaced(code)} for student, code in slips],
        "screened": selectors.screened_without_code(window=window),
    }
    return render(request, "screening/online/slips.html", context)


class CampaignConsentView(RecordRoleRequiredMixin, ServiceFormMixin, View):
    """Record (or withdraw) the campaign's consent basis."""

    roles = CAMPAIGN_ROLES

    def post(self, request: SignedInRequest, campaign_id: int) -> HttpResponse:
        campaign = selectors.get_campaign_for_user(user=request.user, campaign_id=campaign_id)
        basis = request.POST.get("basis", "")
        outcome = self.call_service(
            None,
            lambda: online.campaign_record_consent(
                actor=request.user, campaign=campaign, basis=basis
            ),
        )
        if outcome.saved:
            messages.success(request, _("The consent basis is recorded."))
        else:
            messages.error(request, str(outcome.error.message if outcome.error else ""))
        return redirect("screening:campaign", campaign_id=campaign.pk)


class ConsentSlipsView(RecordRoleRequiredMixin, ServiceFormMixin, View):
    """One class's consent to the campaign: the liaison ticks the guardians' slips that came
    back (`?all=1` ticks every box, no JavaScript needed, then untick the missing few), sees
    who agreed online, and goes on to record a withdrawal. The list names students: audited."""

    roles = CAMPAIGN_ROLES

    def get(self, request: SignedInRequest, campaign_id: int) -> HttpResponse:
        campaign, class_name = self._class(request, request.GET, campaign_id)
        rows = selectors.class_consents(campaign=campaign, class_name=class_name)
        form = forms.ConsentSlipsForm(student_ids=self._tickable(rows))
        return self._render(request, campaign, class_name, rows, form)

    def post(self, request: SignedInRequest, campaign_id: int) -> HttpResponse:
        campaign, class_name = self._class(request, request.POST, campaign_id)
        rows = selectors.class_consents(campaign=campaign, class_name=class_name)
        form = forms.ConsentSlipsForm(request.POST, student_ids=self._tickable(rows))
        if not form.is_valid():
            return self._render(request, campaign, class_name, rows, form, status=400)
        ticked = [row.student for row in rows if row.student.pk in form.cleaned_data["students"]]
        numbers = form.student_numbers()
        pasted = selectors.students_by_number(campaign=campaign, numbers=numbers)
        outcome = self.call_service(
            form,
            lambda: services.consent_record_guardians(
                actor=request.user,
                campaign=campaign,
                students=list({s.pk: s for s in ticked + pasted}.values()),
                version=form.cleaned_data["version"],
            ),
        )
        if not outcome.saved:
            return self._render(request, campaign, class_name, rows, form, status=outcome.status)
        messages.success(
            request,
            ngettext(
                "%(count)s guardian's consent is recorded.",
                "%(count)s guardians' consents are recorded.",
                outcome.value,
            )
            % {"count": outcome.value},
        )
        unknown = sorted(set(numbers) - {student.student_no for student in pasted})
        if unknown:
            messages.warning(
                request,
                _("Not students of the school, nothing recorded: %(numbers)s")
                % {"numbers": "、".join(unknown[:20]) + ("…" if len(unknown) > 20 else "")},
            )
        url = reverse("screening:consent_slips", args=[campaign.pk])
        return redirect(f"{url}?{_class_query(class_name)}")

    @staticmethod
    def _class(request: SignedInRequest, values: Any, campaign_id: int) -> tuple[Any, str]:
        campaign = selectors.get_campaign_for_user(user=request.user, campaign_id=campaign_id)
        if not selectors.may_import_into(user=request.user, campaign=campaign):
            raise Http404
        class_name = text_parameter(values, "class", max_length=20)
        if class_name not in selectors.campaign_classes(campaign):
            raise Http404
        return campaign, class_name

    @staticmethod
    def _tickable(rows: list[selectors.ConsentRow]) -> list[int]:
        """The students whose slip can still be recorded: none yet, none withdrawn."""
        return [row.student.pk for row in rows if row.guardian is None and not row.state.withdrawn]

    def _render(self, request, campaign, class_name, rows, form, status=200):
        audit_read(request, "screening.consent.listed", [row.student for row in rows])
        ticked = set(form["students"].value() or []) if form.is_bound else set()
        every = request.GET.get("all") == "1" and not form.is_bound
        context = {
            "campaign": campaign,
            "class_name": class_name,
            "class_query": _class_query(class_name),
            "rows": rows,
            "form": form,
            "ticked": {str(pk) for pk in ticked},
            "tick_all": every,
            "tickable": set(self._tickable(rows)),
            "missing": sum(1 for row in rows if not row.state.may_start),
        }
        return render(request, "screening/consent_slips.html", context, status=status)


def _class_query(class_name: str) -> str:
    return urlencode({"class": class_name})


class ConsentWithdrawView(RecordRoleRequiredMixin, ServiceFormMixin, View):
    """Record that a student's consent to the campaign is withdrawn, after a page that says
    what it does: nothing new from then on, what was submitted kept."""

    roles = CAMPAIGN_ROLES

    def get(self, request: SignedInRequest, campaign_id: int, student_id: int) -> HttpResponse:
        campaign, student = self._student(request, campaign_id, student_id)
        return self._render(request, campaign, student)

    def post(self, request: SignedInRequest, campaign_id: int, student_id: int) -> HttpResponse:
        campaign, student = self._student(request, campaign_id, student_id)
        if request.POST.get("confirm") != "yes":
            messages.error(request, _("Tick the box to confirm the withdrawal."))
            return self._render(request, campaign, student, status=400)
        outcome = self.call_service(
            None,
            lambda: services.consent_withdraw(
                actor=request.user,
                campaign=campaign,
                student=student,
                refused_by=request.POST.get("refused_by", StudentConsent.GivenBy.GUARDIAN),
            ),
        )
        if outcome.saved:
            messages.success(request, _("The withdrawal is recorded: nothing new is processed."))
        else:
            messages.error(request, refusal_message(outcome))
        if not student.class_name:  # no class list to go back to
            return redirect("screening:campaign", campaign_id=campaign.pk)
        url = reverse("screening:consent_slips", args=[campaign.pk])
        return redirect(f"{url}?{_class_query(student.class_name)}")

    @staticmethod
    def _student(request: SignedInRequest, campaign_id: int, student_id: int) -> tuple[Any, Any]:
        campaign = selectors.get_campaign_for_user(user=request.user, campaign_id=campaign_id)
        if not selectors.may_import_into(user=request.user, campaign=campaign):
            raise Http404
        return campaign, selectors.get_student_of_campaign(campaign=campaign, student_id=student_id)

    @staticmethod
    def _render(request, campaign, student, status=200):
        audit_read(request, "screening.consent.viewed", student)  # the page names the student
        context = {
            "campaign": campaign,
            "student": student,
            "recorded": selectors.consent_recorded(campaign=campaign, student=student),
            "may_refuse_alone": services.may_refuse_alone(campaign=campaign, student=student),
        }
        return render(request, "screening/consent_withdraw.html", context, status=status)


class LeavingView(RecordRoleRequiredMixin, ServiceFormMixin, View):
    """Students of one class (`?class=`) or grade (`?grade=`) of the campaign's school who left
    the school (graduated, transferred: a retention event, DOMAIN.md §5.5), or the marks to
    undo: the list, then a page that says what follows before anything is recorded. For the
    school's liaison and the clinicians of its site (`may_import_into`); others 404. The pages
    name students: audited."""

    roles = CAMPAIGN_ROLES

    def get(self, request: SignedInRequest, campaign_id: int) -> HttpResponse:
        campaign, group = self._group(request, request.GET, campaign_id)
        rows = self._students(campaign, group)
        return self._render(request, campaign, group, rows)

    def post(self, request: SignedInRequest, campaign_id: int) -> HttpResponse:
        campaign, group = self._group(request, request.POST, campaign_id)
        rows = self._students(campaign, group)
        action = request.POST.get("action", "")
        form = forms.LeavingForm(request.POST, student_ids=self._choices(rows, action))
        if not form.is_valid():
            return self._render(request, campaign, group, rows, form, status=400)
        chosen = [row for row in rows if row.pk in form.cleaned_data["students"]]
        values: dict[str, Any] = {"actor": request.user, "campaign": campaign, "students": chosen}
        marking = action == forms.LeavingForm.MARK
        if marking:
            values |= {key: form.cleaned_data[key] for key in ("left_on", "reason")}
        if request.POST.get("confirm") != "yes":
            outcome = self.call_service(
                form, lambda: leaving.leaving_check(**values) if marking else None
            )
            if not outcome.saved:
                return self._render(request, campaign, group, rows, form, status=outcome.status)
            return self._confirm(request, campaign, group, form, chosen)
        service = leaving.students_mark_left if marking else leaving.students_unmark_left
        outcome = self.call_service(form, lambda: service(**values))
        if not outcome.saved:
            return self._render(request, campaign, group, rows, form, status=outcome.status)
        done = (
            ngettext(
                "%(count)s student is recorded as having left the school.",
                "%(count)s students are recorded as having left the school.",
                outcome.value,
            )
            if marking
            else ngettext(
                "%(count)s student is recorded as still at the school.",
                "%(count)s students are recorded as still at the school.",
                outcome.value,
            )
        )
        messages.success(request, done % {"count": outcome.value})
        url = reverse("screening:leaving", args=[campaign.pk])
        return redirect(f"{url}?{urlencode(group)}")

    @staticmethod
    def _group(
        request: SignedInRequest, values: Any, campaign_id: int
    ) -> tuple[Any, dict[str, str]]:
        """The campaign (seen and managed by the user, else 404) and the class or grade asked
        for, one the school's class list has (else 404), as its query parameter."""
        campaign = selectors.get_campaign_for_user(user=request.user, campaign_id=campaign_id)
        if not selectors.may_import_into(user=request.user, campaign=campaign):
            raise Http404
        class_name = text_parameter(values, "class", max_length=20)
        if class_name:
            if class_name not in selectors.campaign_classes(campaign):
                raise Http404
            return campaign, {"class": class_name}
        grade = text_parameter(values, "grade", max_length=20)
        if not grade or grade not in selectors.campaign_grades(campaign):
            raise Http404
        return campaign, {"grade": grade}

    @staticmethod
    def _students(campaign: Any, group: dict[str, str]) -> list[Any]:
        return selectors.leaving_students(
            campaign=campaign, class_name=group.get("class", ""), grade=group.get("grade", "")
        )

    @staticmethod
    def _choices(rows: list[Any], action: str) -> list[int]:
        """Students not marked may be marked; those marked may be unmarked."""
        marked = action == forms.LeavingForm.UNMARK
        return [row.pk for row in rows if (row.left_on is not None) == marked]

    def _render(self, request, campaign, group, rows, form=None, status=200):
        audit_read(request, "screening.leaving.listed", rows)
        posted = form is not None and form.is_bound
        context = {
            "campaign": campaign,
            "group": group,
            "group_query": urlencode(group),
            "group_name": next(iter(group.values())),
            "at_school": [row for row in rows if row.left_on is None],
            "left": [row for row in rows if row.left_on is not None],
            "form": form,
            "action": form.data.get("action", "") if posted else "",
            # What was ticked stays ticked; first shown, the whole class is (it graduates).
            "ticked": {str(pk) for pk in form.data.getlist("students")} if posted else None,
            "left_on": form.data.get("left_on", "") if posted else "",
            "reason": form.data.get("reason", "") if posted else LeftReason.GRADUATED,
            "reasons": LeftReason.choices,
            "grace_days": settings.SCREENING_LEAVING_GRACE_DAYS,
        }
        return render(request, "screening/leaving.html", context, status=status)

    @staticmethod
    def _confirm(request, campaign, group, form, chosen):
        audit_read(request, "screening.leaving.listed", chosen)
        context = {
            "campaign": campaign,
            "group": group,
            "group_name": next(iter(group.values())),
            "group_query": urlencode(group),
            "form": form,
            "chosen": chosen,
            "marking": form.cleaned_data["action"] == forms.LeavingForm.MARK,
            "reason_label": dict(LeftReason.choices).get(form.cleaned_data.get("reason") or ""),
            "answers_gone": sum(1 for student in chosen if student.answers_gone),
            "grace_days": settings.SCREENING_LEAVING_GRACE_DAYS,
        }
        return render(request, "screening/leaving_confirm.html", context)


class OnlineCloseView(RecordRoleRequiredMixin, View):
    roles = CAMPAIGN_ROLES

    def post(self, request: SignedInRequest, window_id: int) -> HttpResponse:
        window = selectors.get_window_for_user(user=request.user, window_id=window_id)
        if request.POST.get("confirm") != "yes":
            messages.error(request, _("Tick the box to confirm closing the class online."))
            return redirect("screening:campaign", campaign_id=window.campaign_id)
        online.online_close(actor=request.user, window=window)
        messages.success(request, _("The class is closed online: its codes no longer work."))
        return redirect("screening:campaign", campaign_id=window.campaign_id)


class OnlineProgressView(RecordRoleRequiredMixin, View):
    """The campaign page's progress per class, polled by its script: counts only."""

    roles = CAMPAIGN_ROLES

    def get(self, request: SignedInRequest, campaign_id: int) -> HttpResponse:
        campaign = selectors.get_campaign_for_user(user=request.user, campaign_id=campaign_id)
        windows = [
            {
                "id": cast(OnlineWindow, row["window"]).pk,
                "submitted": row["submitted"],
                "started": row["started"],
                "not_yet": row["not_yet"],
                "consent_missing": row["consent_missing"],
                "screened": row["screened"],
            }
            for row in selectors.online_progress(campaign=campaign)
        ]
        return JsonResponse({"windows": windows})


class OnlineNotYetView(RecordRoleRequiredMixin, View):
    """The class teacher's sheet of the students who have not answered yet (number and name, and
    a neutral instruction: a task, not data), printed and audited as an export; on screen, a
    new code for a student who lost their slip, or new slips for all who have not started."""

    roles = CAMPAIGN_ROLES

    def get(self, request: SignedInRequest, window_id: int) -> HttpResponse:
        window = selectors.get_window_for_user(user=request.user, window_id=window_id)
        students = list(selectors.online_not_yet_students(window=window))
        day = timezone.localdate().isoformat()
        audit_export(
            request,
            "screening.online_not_yet.printed",
            students,
            filename=f"not-yet-{window.pk}-{day}.html",
            data={"window": window.pk},
        )
        context = {
            "window": window,
            "campaign": window.campaign,
            "students": students,
            "today": day,
            "is_open": window.is_open(),
        }
        return render(request, "screening/online/not_yet.html", context)


class OnlineCodeReissueView(RecordRoleRequiredMixin, ServiceFormMixin, View):
    """A new code for one student (a lost slip): their old code stops working at once."""

    roles = CAMPAIGN_ROLES

    def post(self, request: SignedInRequest, window_id: int, student_id: int) -> HttpResponse:
        window = selectors.get_window_for_user(user=request.user, window_id=window_id)
        outcome = self.call_service(
            None,
            lambda: online.online_code_reissue(
                actor=request.user, window=window, student_id=student_id
            ),
        )
        if not outcome.saved:
            messages.error(request, refusal_message(outcome))
            return redirect("screening:online_not_yet", window_id=window.pk)
        return slips_page(request, window, [outcome.value])


class OnlineReprintView(RecordRoleRequiredMixin, ServiceFormMixin, View):
    """New slips for every student of the class who has not started; old codes revoked."""

    roles = CAMPAIGN_ROLES

    def post(self, request: SignedInRequest, window_id: int) -> HttpResponse:
        window = selectors.get_window_for_user(user=request.user, window_id=window_id)
        if request.POST.get("confirm") != "yes":
            messages.error(request, _("Tick the box to confirm: the old slips stop working."))
            return redirect("screening:online_not_yet", window_id=window.pk)
        outcome = self.call_service(
            None, lambda: online.online_codes_reprint(actor=request.user, window=window)
        )
        if not outcome.saved:
            messages.error(request, refusal_message(outcome))
            return redirect("screening:online_not_yet", window_id=window.pk)
        return slips_page(request, window, outcome.value)


def _spaced(code: str) -> str:
    """A code as printed: two groups of five, easier to copy."""
    return f"{code[:5]} {code[5:]}"
