from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    QueryDict,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from centre import (
    audit,
    health,
    monthly_report,
    navigation,
    reminders,
    selectors,
    statistics,
    two_factor,
    user_sessions,
)
from centre.audit import audit_export
from centre.audit_actions import action_label, audit_record_types, record_label
from centre.errors import ConflictError
from centre.forms import (
    AuditFilterForm,
    BreakGlassReviewForm,
    Outcome,
    RecoveryCodesForm,
    SecondFactorForm,
    ServiceFormMixin,
    SessionEndForm,
)
from centre.http import SignedInRequest
from centre.models import AuditEntry, MonthlyReport, Reminder, SignInSession, Site, User
from centre.monthly_report import report_workbook
from centre.paging import keyset_page
from centre.parameters import BadParameter, id_parameter, text_parameter
from centre.permissions import RecordRoleRequiredMixin, RoleRequiredMixin
from centre.roles import Role
from centre.statistics import Placement
from centre.statistics.masking import CellKey
from centre.xlsx import XLSX_TYPE, csv_response, xlsx_sheets_response


class HomeView(LoginRequiredMixin, TemplateView):
    """The home page: the tiles of one's work, or the page an app declares as the home of one of
    the user's roles (a counsellor's "today")."""

    template_name = "centre/home.html"

    def get(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        home = navigation.home_for(request.user)
        if home is not None:
            return redirect(home)
        return super().get(request, *args, **kwargs)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400: a parameter that cannot mean anything, named with what it should be."""
    message = exception.message if isinstance(exception, BadParameter) else ""
    return render(request, "400.html", {"message": message}, status=400)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {
        "database": "ok" if health.database_answers() else "unavailable",
        "broker": "ok" if health.broker_answers() else "unavailable",
    }
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )


BREAK_GLASS_REVIEW_HOURS = 24  # DOMAIN.md §5.3: reviewed within 24 hours


class AuditLogView(RecordRoleRequiredMixin, View):
    """The audit log for auditors: newest first, filtered by record, user, action and dates;
    paged by position (centre.paging), never counted — the table grows for ever. "Who viewed
    case 12 last week" is the case's link in any entry, then "Last 7 days", then "Reads only".
    To other roles the auditors' pages answer 404, like a record: the log is all records."""

    roles = frozenset({Role.AUDITOR})
    per_page = 50

    def get(self, request: SignedInRequest) -> HttpResponse:
        form = AuditFilterForm(request.GET or None)
        if form.is_bound and not form.is_valid():
            context = {"form": form, "object_list": [], "page": None, "query": ""}
            return render(request, "centre/audit_log.html", context, status=400)
        filters = form.filters() if form.is_bound else {}
        entries = selectors.audit_entries(**filters).select_related("break_glass_review")
        page = keyset_page(entries, request.GET, order=("at", "id"), per_page=self.per_page)
        query = filter_query(request.GET)
        today = timezone.localdate()
        context = {
            "form": form,
            "object_list": [
                {"entry": entry, "action": action_label(entry.action), **record_link(entry)}
                for entry in page.object_list
            ],
            "page": page,
            "query": query,
            "export_query": query,
            "presets": [
                (
                    label,
                    filter_query(
                        request.GET,
                        since=f"{today - datetime.timedelta(days=days - 1)}",
                        until=f"{today}",
                    ),
                )
                for label, days in ((_("Today"), 1), (_("Last 7 days"), 7), (_("Last 30 days"), 30))
            ],
            "reads_query": filter_query(request.GET, reads="on"),
        }
        return render(request, "centre/audit_log.html", context)


AUDIT_FILTERS = (
    "record_type",
    "record_id",
    "user",
    "account",
    "action",
    "since",
    "until",
    "reads",
)
AUDIT_EXPORT_MAX_ROWS = 10_000


def filter_query(params: QueryDict, **changes: str) -> str:
    """The filters of the page as a query string (no pager position), with `changes`."""
    values = {name: params.get(name, "") for name in AUDIT_FILTERS}
    values.update(changes)
    return urlencode({name: value for name, value in values.items() if value})


def record_link(entry: AuditEntry) -> dict[str, str]:
    """An entry's record as the auditor reads it, and the query of every entry about it."""
    if not entry.target_type:
        return {"record": "", "record_query": ""}
    label = record_label(entry.target_type)
    query = ""
    if (
        entry.target_type in dict(audit_record_types())
        and entry.target_id.isascii()
        and entry.target_id.isdigit()
    ):
        query = urlencode({"record_type": entry.target_type, "record_id": entry.target_id})
    return {"record": f"{label} #{entry.target_id}", "record_query": query}


class AuditExportView(RecordRoleRequiredMixin, View):
    """The filtered log as XLSX, or as CSV (`audit/export.csv`, `file_format`): newest first, at
    most 10,000 entries (the file says so when there were more), audited with the filters it
    was asked with, the same way whichever the format."""

    roles = frozenset({Role.AUDITOR})
    file_format = "xlsx"

    def get(self, request: SignedInRequest) -> HttpResponse:
        form = AuditFilterForm(request.GET or None)
        if form.is_bound and not form.is_valid():
            return render(
                request,
                "centre/audit_log.html",
                {"form": form, "object_list": [], "page": None, "query": ""},
                status=400,
            )
        filters = form.filters() if form.is_bound else {}
        entries = list(
            selectors.audit_entries(**filters)
            .select_related("break_glass_review")
            .order_by("-at", "-id")[: AUDIT_EXPORT_MAX_ROWS + 1]
        )
        more = len(entries) > AUDIT_EXPORT_MAX_ROWS
        header = [str(name) for name in (
            _("When"), _("User"), _("Action"), _("Action code"), _("Record"), _("Result"),
            _("Address"), _("Reason"), _("Records shown"), _("Reviewed"),
        )]  # fmt: skip
        rows: list[list[Any]] = [
            [
                timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M:%S"),
                entry.actor_username,
                action_label(entry.action),
                entry.action,
                record_link(entry)["record"],
                entry.get_result_display(),
                entry.ip_address or "",
                entry.reason,
                entry.data.get("records", "") if isinstance(entry.data, dict) else "",
                _("yes") if hasattr(entry, "break_glass_review") else "",
            ]
            for entry in entries[:AUDIT_EXPORT_MAX_ROWS]
        ]
        if more:
            rows.append(
                [
                    gettext("Only the newest %(rows)s entries; narrow the filters for the rest.")
                    % {"rows": AUDIT_EXPORT_MAX_ROWS}
                ]
            )
        filename = f"audit-log-{timezone.localdate():%Y-%m-%d}.{self.file_format}"
        # As validated: the tick box takes any value as "yes" (NUL, 10,000 characters), so it is
        # recorded as "on", never as typed (a NUL cannot be stored in the audit entry's JSON).
        described = {
            name: "on" if name == "reads" else request.GET[name]
            for name in AUDIT_FILTERS
            if request.GET.get(name) and (name != "reads" or form.cleaned_data.get("reads"))
        }
        data = {"filters": described, "rows": min(len(entries), AUDIT_EXPORT_MAX_ROWS)}
        if self.file_format == "csv":
            return csv_response(
                request, filename, [header, *rows], action="centre.audit_log.exported", data=data
            )
        return xlsx_sheets_response(
            request,
            filename,
            [(str(_("Audit log")), [header, *rows])],
            action="centre.audit_log.exported",
            data=data,
        )


def _positions(params: QueryDict, prefix: str) -> str:
    """The pager position in `params` of the list whose parameters start with `prefix`."""
    names = (f"{prefix}older", f"{prefix}newer")
    return urlencode({name: str(params.get(name)) for name in names if params.get(name)})


class BreakGlassReviewsView(ServiceFormMixin, RecordRoleRequiredMixin, View):
    """Break-glass accesses for the auditors' review (DOMAIN.md §5.3: within 24 hours): those
    waiting, oldest first — past 24 hours flagged — each with its form; then the reviewed, newest
    first, with who reviewed it, when and the note."""

    roles = frozenset({Role.AUDITOR})
    per_page = 50
    waiting_prefix = "waiting-"

    def get(
        self,
        request: SignedInRequest,
        forms_by_entry: dict[int, BreakGlassReviewForm] | None = None,
        status: int = 200,
    ) -> HttpResponse:
        waiting_page = keyset_page(
            selectors.break_glass_awaiting_review(),
            request.GET,
            order=("at", "id"),
            per_page=self.per_page,
            ascending=True,  # oldest first: those past the 24 hours head the list
            prefix=self.waiting_prefix,
        )
        waiting = waiting_page.object_list
        due = timezone.now() - datetime.timedelta(hours=BREAK_GLASS_REVIEW_HOURS)
        forms_by_entry = forms_by_entry or {}
        reviewed = keyset_page(
            selectors.break_glass_reviewed(), request.GET, order=("at", "id"), per_page=50
        )
        context = {
            "waiting": [
                {
                    "entry": entry,
                    "overdue": entry.at < due,
                    "form": forms_by_entry.get(entry.pk)
                    or BreakGlassReviewForm(prefix=f"e{entry.pk}"),
                    **record_link(entry),
                }
                for entry in waiting
            ],
            "reviewed": [{"entry": entry, **record_link(entry)} for entry in reviewed.object_list],
            "page": reviewed,
            "waiting_page": waiting_page,
            "waiting_prefix": self.waiting_prefix,
            # Each pager keeps the other list where it is.
            "query": _positions(request.GET, self.waiting_prefix),
            "waiting_query": _positions(request.GET, ""),
            "hours": BREAK_GLASS_REVIEW_HOURS,
        }
        return render(request, "centre/break_glass_reviews.html", context, status=status)

    def post(self, request: SignedInRequest) -> HttpResponse:
        entry_id = id_parameter(request.POST, "entry")
        if entry_id is None:
            raise BadParameter(
                "entry", _("“%(name)s” must be a record number.") % {"name": "entry"}
            )
        entry = selectors.get_break_glass_entry_for_user(user=request.user, entry_id=entry_id)
        form = BreakGlassReviewForm(request.POST, prefix=f"e{entry.pk}")
        outcome = self.submit(
            form,
            lambda: audit.break_glass_review(
                reviewer=request.user, entry=entry, note=form.cleaned_data["note"], request=request
            ),
        )
        if outcome.saved:
            messages.success(request, _("The access is marked reviewed."))
            return redirect("audit-break-glass")
        if outcome.conflict:
            messages.info(request, _("This access has been reviewed already."))
            return redirect("audit-break-glass")
        return self.get(request, forms_by_entry={entry.pk: form}, status=outcome.status)


class WorkspaceView(RoleRequiredMixin, TemplateView):
    """An app's landing page for its roles. Each app subclasses it with its title and roles."""

    template_name = "centre/workspace.html"
    title: str | Promise = ""
    description: str | Promise = ""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["title"] = self.title
        context["description"] = self.description
        return context


class StatisticsMixin(RoleRequiredMixin):
    """The window and the site of a statistics request. A supervisor sees their own site (and
    below) only; a statistics administrator any site, with small counts masked in breakdowns."""

    roles = frozenset({Role.STATISTICS_ADMINISTRATOR, Role.SUPERVISOR})

    def site_and_window(
        self, request: SignedInRequest
    ) -> tuple[Site | None, statistics.Window, QuerySet[Site]]:
        """The site and the window asked for, each told plainly when it cannot be given: a
        month that is not one, a window that ends before it starts (shown the right way round),
        a site the reader may not see (their own is shown, never another scope in silence).
        Each is kept in `notes` (level, text): the page shows them with its answer, the export
        refuses with them (a message flashed by a file download would surface on a later page,
        about a request nobody remembers)."""
        self.notes: list[tuple[int, str]] = []
        this_month = timezone.localdate().replace(day=1)
        first = text_parameter(request.GET, "from") or f"{this_month:%Y-%m}"
        last = text_parameter(request.GET, "to") or f"{this_month:%Y-%m}"
        window: statistics.Window | None
        try:
            window = statistics.Window.parse(first, last)
        except ValueError:
            window = self._reversed(first, last)
            if window is None:
                window = statistics.Window(this_month, this_month)
                self.note(
                    messages.ERROR,
                    _(
                        "Months are written YYYY-MM, from %(earliest)s to %(latest)s, at most "
                        "%(months)s months at a time; this month is shown."
                    )
                    % {
                        "earliest": f"{statistics.EARLIEST_MONTH:%Y-%m}",
                        "latest": f"{statistics.LATEST_MONTH:%Y-%m}",
                        "months": statistics.WINDOW_MAX_MONTHS,
                    },
                )
            else:
                self.note(
                    messages.WARNING,
                    _(
                        "The last month (%(last)s) comes before the first (%(first)s): "
                        "%(window)s is shown."
                    )
                    % {"first": first, "last": last, "window": window.label()},
                )
        sites = self.sites_for(request.user)
        code = text_parameter(request.GET, "site")
        site = sites.filter(code=code).first() if code else None
        administrator = request.user.has_role(Role.STATISTICS_ADMINISTRATOR)
        if site is None and not administrator:
            site = request.user.site
            if code and site is not None and code != site.code:
                self.note(
                    messages.WARNING,
                    _(
                        "You may read the figures of %(site)s and the sites below it only; "
                        "“%(code)s” is not among them, so %(site)s is shown."
                    )
                    % {"site": site.name, "code": code},
                )
        elif site is None and code:
            self.note(
                messages.WARNING,
                _("No site has the code “%(code)s”; the whole network is shown.") % {"code": code},
            )
        return site, window, sites

    def note(self, level: int, text: str) -> None:
        self.notes.append((level, str(text)))

    @staticmethod
    def _reversed(first: str, last: str) -> statistics.Window | None:
        """The window of two good months given the wrong way round, or None."""
        try:
            return statistics.Window.parse(last, first)
        except ValueError:
            return None

    @staticmethod
    def sites_for(user: User) -> QuerySet[Site]:
        return selectors.statistics_sites_for_user(user)

    @staticmethod
    def clinical(user: User) -> bool:
        return user.has_role(Role.SUPERVISOR)


def bar_chart(
    series: list[tuple[str, Any]], *, width: int = 600, height: int = 140, share: bool = False
) -> dict[str, Any]:
    """The geometry of an inline SVG bar chart (no script, no outside request), each bar with
    its value printed above it, so the chart reads on paper as on the screen. A share's bars
    are scaled to 100% and read as percentages."""
    # A masked month ("<5", "*") or a share with nothing to divide has no bar, only its labels.
    numbers = [value for _, value in series if _is_number(value)]
    highest = 1 if share else max(numbers, default=0) or 1
    step = width / max(len(series), 1)
    top = 16  # room above the highest bar for its value
    bars = []
    for index, (month, value) in enumerate(series):
        bar_height = round(value / highest * (height - top - 4)) if _is_number(value) else 0
        bars.append(
            {
                "x": round(index * step + step * 0.15, 1),
                "y": height - bar_height,
                "width": round(step * 0.7, 1),
                "height": bar_height,
                "label": month[2:] if len(series) <= 24 else month[5:],
                "month": month,
                "value": value,
                "text": _bar_text(value, share=share),
                "label_x": round(index * step + step / 2, 1),
                "value_y": height - bar_height - 4,
            }
        )
    # Past 24 months the labels would run into each other: every n-th month is named.
    every = max(1, -(-len(series) // 24))
    for index, bar in enumerate(bars):
        bar["labelled"] = index % every == 0
    return {
        "bars": bars,
        "width": width,
        "height": height,
        "label_y": height + 14,
        "font": 11 if len(series) <= 24 else 8,
    }


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _bar_text(value: Any, *, share: bool) -> Any:
    """What a bar says: its count, a share as a percentage, "—" for a share of nothing."""
    if value is None:
        return "—"
    if share and _is_number(value):
        return f"{round(value * 100)}%"
    return value


def chart_window(window: statistics.Window) -> statistics.Window:
    """The months the charts show: the chosen window when it spans months, else the 12 months
    up to its month."""
    if window.first != window.last:
        return window
    return statistics.Window.months_back(12, today=window.last)


class StatisticsView(StatisticsMixin, View):
    """This month (or the chosen window), the last 12 months as charts, since opening, per site
    and per school; aggregates only, never names; printable."""

    title = _("Statistics")

    def get(self, request: SignedInRequest) -> HttpResponse:
        site, window, sites = self.site_and_window(request)
        return self.page(request, site, window, sites)

    def page(
        self,
        request: SignedInRequest,
        site: Site | None,
        window: statistics.Window,
        sites: QuerySet[Site],
        *,
        status: int = 200,
    ) -> HttpResponse:
        """The page of `site` and `window`, with the notes on them told in this answer."""
        for level, text in self.notes:
            messages.add_message(request, level, text)  # shown, and so consumed, right here
        path = site.path if site else None
        clinical = self.clinical(request.user)
        last_year = statistics.Window.months_back(12)
        charted = chart_window(window)
        months = statistics.trend(charted, site_path=path)
        opened = statistics.parse_month(settings.CENTRE_OPENED_MONTH)
        since = statistics.Window(min(opened, window.first), last_year.last)
        children = list(selectors.statistics_child_sites(site))
        masking = Masking(clinical=clinical, site=site, window=window, since=since, charted=charted)
        months = masking.trend(months)
        site_columns = statistics.figures_at(Placement.PER_SITE)
        breakdown = statistics.per_site(window, children)
        per_site = [
            {
                "site": child,
                "cells": zip(
                    site_columns,
                    masking.row(
                        values_of(breakdown[child.pk], site_columns), key=("site", child.pk)
                    ),
                    strict=True,
                ),
            }
            for child in children
        ]
        school_columns = statistics.figures_at(Placement.PER_SCHOOL)
        schools = [
            {
                "school": row["school"],
                "cells": zip(
                    school_columns,
                    masking.row(values_of(row, school_columns), key=("school", row["school_id"])),
                    strict=True,
                ),
            }
            for row in statistics.per_school(window, site_path=path)
        ]
        headline = masking.headline(statistics.figures(window, site_path=path))
        since_opening = masking.headline(statistics.figures(since, site_path=path), since=True)
        context: dict[str, Any] = {
            "title": self.title,
            "site": site,
            "sites": sites.order_by("path"),
            "window": window,
            "figures": shown(statistics.figures_at(Placement.HEADLINE), headline),
            "since": shown(statistics.figures_at(Placement.SINCE_OPENING), since_opening),
            "since_window": since,
            "charted": charted,
            "masked": not clinical,
            "charts": [
                {
                    "label": figure.label,
                    **bar_chart(
                        [(month, values.get(figure.name, 0)) for month, values in months.items()],
                        share=figure.kind == statistics.Kind.SHARE,
                    ),
                }
                for figure in statistics.figures_at(Placement.TREND)
            ],
            "definitions": [
                figure for figure in statistics.declared_figures() if figure.definition
            ],
            "site_columns": site_columns,
            "per_site": per_site,
            "school_columns": school_columns,
            "schools": schools,
            "reports": selectors.monthly_reports()[:24],
            "query": request.GET.urlencode(),
        }
        if request.user.has_role(Role.STATISTICS_ADMINISTRATOR):
            context |= report_build_state(context["reports"])
        return render(request, "centre/statistics.html", context, status=status)


def report_build_state(reports: Iterable[MonthlyReport]) -> dict[str, Any]:
    """Last month's report on the page: built (listed with the others), being built (its
    progress; the page looks again every few seconds) or to be built on demand."""
    month = monthly_report.last_month()
    built = any(report.month == month for report in reports)
    progress = None if built else monthly_report.monthly_report_progress(month)
    return {"last_month": month, "last_month_built": built, "report_progress": progress}


def values_of(counted: dict[str, Any], columns: list[statistics.Figure]) -> dict[str, Any]:
    """A table row: each column's figure as counted (0 where nothing was)."""
    return {figure.name: counted.get(figure.name, 0) for figure in columns}


def shown(declared: list[statistics.Figure], values: dict[str, Any]) -> list[dict[str, Any]]:
    """The declared figures with their values, in the order of the declarations."""
    return [{"figure": figure, "value": values.get(figure.name)} for figure in declared]


class Masking:
    """What a reader of the statistics page may see (centre.statistics "Small counts"): exact
    figures for clinical readers and for the whole network; below it, the cells the shared
    decisions of `statistics.hidden_cells` leave. Decisions are made only when needed."""

    def __init__(
        self,
        *,
        clinical: bool,
        site: Site | None,
        window: statistics.Window,
        since: statistics.Window,
        charted: statistics.Window | None = None,
    ) -> None:
        self.clinical, self.key = clinical, statistics.site_key(site)
        self.window, self.since = window, since
        self.charted = charted or statistics.Window.months_back(12)
        self._hidden: dict[str, Any] = {}

    def hidden(self, which: str) -> Any:  # "months": hidden_by_month, else hidden_cells
        if which not in self._hidden:
            if which == "months":
                first = min(self.since.first, self.charted.first)
                span = statistics.Window(first, max(self.since.last, self.charted.last))
                self._hidden[which] = statistics.hidden_by_month(span)
            elif which == "since":
                by_month = self.hidden("months")
                self._hidden[which] = statistics.hidden_cells(self.since, by_month=by_month)
            else:
                self._hidden[which] = statistics.hidden_cells(self.window)
        return self._hidden[which]

    def headline(self, values: dict[str, Any], *, since: bool = False) -> dict[str, Any]:
        if self.clinical or self.key is statistics.NETWORK:
            return values
        hidden = self.hidden("since" if since else "window")
        return statistics.masked_figures(values, key=self.key, hidden=hidden, clinical=False)

    def trend(self, months: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        if self.clinical or self.key is statistics.NETWORK:
            return months
        return statistics.masked_trend(
            months, key=self.key, hidden_by_month=self.hidden("months"), clinical=False
        )

    def cells(self, values: dict[str, Any], *, key: CellKey | None) -> dict[str, Any]:
        if self.clinical:
            return values
        hidden = self.hidden("window")
        return statistics.masked_figures(values, key=key, hidden=hidden, clinical=False)

    def row(self, values: dict[str, Any], *, key: CellKey | None) -> list[Any]:
        """A table row's cells as the reader sees them, in the order of `values`."""
        return list(self.cells(values, key=key).values())


class StatisticsExportView(StatisticsView):
    """The page's figures as a workbook a health commission takes as it is: the chosen site's
    (or the network's) figures and months, a sheet of the sites below it and one of its
    schools, labelled in the reader's language, each sheet naming its site and window; masked
    as the page is, and audited. A window or a site that cannot be given as asked is refused:
    the page answers with 400, the reason on it, and no file."""

    def get(self, request: SignedInRequest) -> HttpResponse:
        site, window, sites = self.site_and_window(request)
        if self.notes:
            return self.page(request, site, window, sites, status=400)
        sheets = statistics.export_sheets(
            window,
            site=site,
            children=list(selectors.statistics_child_sites(site)),
            clinical=self.clinical(request.user),
            key=statistics.site_key(site),
        )
        where = site.code if site else "network"
        name = f"statistics-{window.first:%Y-%m}-{window.last:%Y-%m}-{where}"
        return xlsx_sheets_response(
            request, f"{name}.xlsx", sheets, action="centre.statistics.exported"
        )


class MonthlyReportBuildView(RoleRequiredMixin, View):
    """ "Build last month's report": the beat's task on demand (queued once however often it is
    pressed); the statistics page shows its progress and then lists the report."""

    roles = frozenset({Role.STATISTICS_ADMINISTRATOR})

    def get(self, request: SignedInRequest) -> HttpResponse:
        return redirect("statistics")

    def post(self, request: SignedInRequest) -> HttpResponse:
        try:
            month = monthly_report.monthly_report_request(actor=request.user, request=request)
        except ConflictError as refused:
            messages.info(request, refused.message)
        else:
            messages.success(
                request,
                _("The report of %(month)s is being built.") % {"month": f"{month:%Y-%m}"},
            )
        return redirect("statistics")


class MonthlyReportView(StatisticsMixin, View):
    """A stored monthly report (network-wide figures: for statistics administrators)."""

    roles = frozenset({Role.STATISTICS_ADMINISTRATOR})

    def get(self, request: SignedInRequest, report_id: int) -> HttpResponse:
        report = selectors.get_monthly_report_for_user(user=request.user, report_id=report_id)
        filename = f"report-{report.month:%Y-%m}.xlsx"
        try:
            content = report_workbook(report)  # labelled in the reader's language
        except FileNotFoundError as missing:  # the row outlived its file (storage restored)
            raise Http404 from missing
        audit_export(request, "centre.monthly_report.exported", report, filename=filename)
        response = HttpResponse(content, content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class InboxView(LoginRequiredMixin, View):
    """The signed-in user's notifications by due time, latest first; opening one marks it read."""

    def get(self, request: SignedInRequest) -> HttpResponse:
        notifications = selectors.inbox_for_user(request.user)[:100]
        context = {"notifications": notifications, "now": timezone.now()}
        return render(request, "centre/inbox.html", context)

    def post(self, request: SignedInRequest) -> HttpResponse:
        """Mark one (`notification`) or all as read; go to its link if it has one."""
        unread = selectors.notifications_for_user(request.user).filter(read_at__isnull=True)
        chosen = id_parameter(request.POST, "notification")
        if chosen is not None:
            notification = selectors.get_notification_for_user(
                user=request.user, notification_id=chosen
            )
            unread.filter(pk=notification.pk).update(read_at=timezone.now())
            if notification.link and url_has_allowed_host_and_scheme(
                notification.link, allowed_hosts=None
            ):
                return redirect(notification.link)
        else:
            unread.update(read_at=timezone.now())
        return redirect("inbox")


class RemindersView(RoleRequiredMixin, View):
    """The outbox at a glance, and the reminders a person must decide about (a send that stopped
    half-way, or one that kept failing): resend, or give up. A supervisor sees those of their site
    and the sites below (`reminders_visible_to`); another site's answer 404."""

    roles = frozenset({Role.SUPERVISOR, Role.SYSTEM_ADMINISTRATOR})

    def get(self, request: SignedInRequest) -> HttpResponse:
        visible = reminders.reminders_visible_to(user=request.user)
        failed = visible.filter(status=Reminder.Status.FAILED).select_related("recipient")[:200]
        return render(
            request,
            "centre/reminders.html",
            {"counts": reminders.reminder_counts(visible), "failed": failed},
        )


class ReminderDecisionView(RoleRequiredMixin, View):
    """Where the decision about one failed reminder is posted; opened in a browser, the outbox."""

    roles = RemindersView.roles

    def get(self, request: SignedInRequest, reminder_id: int) -> HttpResponse:
        return redirect("reminders")

    def post(self, request: SignedInRequest, reminder_id: int) -> HttpResponse:
        reminder = selectors.get_failed_reminder_for_user(
            user=request.user, reminder_id=reminder_id
        )
        decision = request.POST.get("decision")
        if decision == "resend":
            reminders.reminder_resend(actor=request.user, reminder=reminder)
            messages.success(request, _("The reminder will be sent again."))
        elif decision == "give_up":
            reminders.reminder_give_up(actor=request.user, reminder=reminder)
            messages.success(request, _("The reminder will not be sent."))
        else:
            messages.error(request, _("Choose to resend it or to give up."))
        return redirect("reminders")


# Signing in: the second step, enrolment, one's password and sessions ------------------------------


def next_page(request: HttpRequest) -> str:
    """Where a sign-in step goes once passed: the `next` it was given if it is a path of ours
    (no other host, no control character), else home."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if (
        wanted.startswith("/")
        and wanted.isprintable()
        and url_has_allowed_host_and_scheme(
            wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return wanted
    return reverse("home")


class SignInStepMixin(ServiceFormMixin, LoginRequiredMixin):
    """A page of the second sign-in step: a form with one code, sent to a service of
    `centre.two_factor`; other steps are reached with the same `next`."""

    request: HttpRequest

    def to_step(self, url_name: str) -> HttpResponse:
        return redirect(f"{reverse(url_name)}?{urlencode({'next': next_page(self.request)})}")

    def submit_code(
        self, request: SignedInRequest, service: Callable[..., Any]
    ) -> tuple[SecondFactorForm, Outcome]:
        form = SecondFactorForm(request.POST)
        outcome = self.submit(
            form,
            lambda: service(request=request, user=request.user, code=form.cleaned_data["code"]),
        )
        return form, outcome


@method_decorator(never_cache, name="dispatch")
class SecondFactorView(SignInStepMixin, View):
    """The second sign-in step: a code from the authenticator app, or a recovery code."""

    def get(
        self, request: SignedInRequest, form: SecondFactorForm | None = None, status: int = 200
    ) -> HttpResponse:
        if two_factor.session_verified(request):
            return HttpResponseRedirect(next_page(request))
        if not two_factor.has_device(request.user):
            return self.to_step("second-factor-setup")
        context = {"form": form or SecondFactorForm(), "next": next_page(request)}
        return render(request, "registration/second_factor.html", context, status=status)

    def post(self, request: SignedInRequest) -> HttpResponse:
        if two_factor.session_verified(request):
            return HttpResponseRedirect(next_page(request))
        form, outcome = self.submit_code(request, two_factor.second_factor_verify)
        if not outcome.saved:
            return self.get(request, form=form, status=outcome.status)
        if outcome.value.name == two_factor.RECOVERY:
            left = two_factor.recovery_codes_left(request.user)
            messages.warning(
                request,
                _("You used a recovery code; %(left)s are left. Each works once.") % {"left": left},
            )
            if two_factor.recovery_codes_few(left):
                messages.warning(request, _("Make new recovery codes on “Your sessions”."))
        return HttpResponseRedirect(next_page(request))


@method_decorator(never_cache, name="dispatch")
class SecondFactorSetupView(SignInStepMixin, View):
    """Enrolment, before any other page for an account with no device: scan the QR code (or
    type the secret), confirm with a first code, then note the recovery codes, shown once."""

    def get(
        self, request: SignedInRequest, form: SecondFactorForm | None = None, status: int = 200
    ) -> HttpResponse:
        if two_factor.has_device(request.user):
            # Enrolled already: a new device only through an administrator's reset, never
            # from a session that passed the password alone.
            return self.to_step("second-factor")
        device = two_factor.enrolment_device(user=request.user)
        context = {
            **two_factor.enrolment_picture(device),
            "form": form or SecondFactorForm(),
            "next": next_page(request),
        }
        return render(request, "registration/second_factor_setup.html", context, status=status)

    def post(self, request: SignedInRequest) -> HttpResponse:
        if two_factor.has_device(request.user):
            return self.to_step("second-factor")
        form, outcome = self.submit_code(request, two_factor.enrolment_confirm)
        if not outcome.saved:
            return self.get(request, form=form, status=outcome.status)
        # Shown once, on this answer only: the codes are kept nowhere else readable.
        context = {"codes": outcome.value, "next": next_page(request)}
        return render(request, "registration/recovery_codes.html", context)


@method_decorator(never_cache, name="dispatch")
class RecoveryCodesView(ServiceFormMixin, LoginRequiredMixin, View):
    """One's own new recovery codes (the old ones stop working), after typing the password or
    an app's code again: a session left open is not enough to make them."""

    def get(
        self, request: SignedInRequest, form: RecoveryCodesForm | None = None, status: int = 200
    ) -> HttpResponse:
        context = {
            "form": form or RecoveryCodesForm(),
            "left": two_factor.recovery_codes_left(request.user),
        }
        return render(request, "registration/recovery_codes_renew.html", context, status=status)

    def post(self, request: SignedInRequest) -> HttpResponse:
        form = RecoveryCodesForm(request.POST)
        outcome = self.submit(
            form,
            lambda: two_factor.recovery_codes_renew(
                request=request, user=request.user, proof=form.cleaned_data["password_or_code"]
            ),
        )
        if not outcome.saved:
            return self.get(request, form=form, status=outcome.status)
        # Shown once, on this answer only: the codes are kept nowhere else readable.
        context = {"codes": outcome.value, "renewed": True, "next": reverse("account-sessions")}
        return render(request, "registration/recovery_codes.html", context)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Changing one's own password: the current one again, then a new one the validators
    accept (README "Security"). The other sessions end; this one stays, under a new key."""

    template_name = "registration/password_change.html"

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        user = form.save(commit=False)
        user.must_change_password = False
        user.save()  # the account's other sessions end here (centre/signals.py)
        user_sessions.session_key_cycle(
            self.request, cycle=lambda: update_session_auth_hash(self.request, user)
        )
        messages.success(self.request, _("Your password is changed. Your other sessions ended."))
        return HttpResponseRedirect(next_page(self.request))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "next": next_page(self.request)}


class AccountSessionsView(ServiceFormMixin, LoginRequiredMixin, View):
    """One's signed-in sessions — started, last seen, address, browser — and ending the
    others, one or all (audited)."""

    def get(self, request: SignedInRequest, status: int = 200) -> HttpResponse:
        current = request.session.session_key
        rows = list(selectors.sign_in_sessions_of(user=request.user))
        left = two_factor.recovery_codes_left(request.user)
        context = {
            "current": [self.shown(row) for row in rows if row.session_key == current],
            "others": [self.shown(row) for row in rows if row.session_key != current],
            "recovery_codes_left": left,
            "recovery_codes_few": two_factor.recovery_codes_few(left),
            "absolute_hours": user_sessions.absolute_lifetime_hours(),
        }
        return render(request, "centre/sessions.html", context, status=status)

    @staticmethod
    def shown(row: SignInSession) -> dict[str, Any]:
        return {"row": row, "browser": user_sessions.browser_label(row.user_agent)}

    def post(self, request: SignedInRequest) -> HttpResponse:
        form = SessionEndForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a session to end."))
            return self.get(request, status=400)
        only = None
        if not form.cleaned_data["everywhere"]:
            chosen = selectors.get_sign_in_session_for_user(
                user=request.user, session_id=form.cleaned_data["session"]
            )
            only = [chosen.pk]
        ended = user_sessions.sessions_end(
            user=request.user,
            actor=request.user,
            reason=user_sessions.EndReason.SELF,
            keep_key=request.session.session_key,
            only=only,
            request=request,
        )
        messages.success(
            request,
            ngettext("%(count)s session ended.", "%(count)s sessions ended.", ended)
            % {"count": ended},
        )
        return redirect("account-sessions")
