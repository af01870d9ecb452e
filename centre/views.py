from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from centre import health, reminders, selectors, statistics
from centre.audit import audit_export
from centre.http import SignedInRequest
from centre.models import Reminder, Site, User
from centre.monthly_report import report_workbook
from centre.paging import keyset_page
from centre.parameters import BadParameter, id_parameter, text_parameter
from centre.permissions import RoleRequiredMixin
from centre.roles import Role
from centre.statistics import Placement
from centre.statistics.masking import CellKey
from centre.xlsx import XLSX_TYPE, xlsx_response


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "centre/home.html"


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


class AuditLogView(RoleRequiredMixin, View):
    """The audit log for auditors: newest first, filtered by action and user; paged by position
    (centre.paging), never counted — the table grows for ever."""

    roles = frozenset({Role.AUDITOR})
    per_page = 50

    def get(self, request: SignedInRequest) -> HttpResponse:
        action = text_parameter(request.GET, "action")
        username = text_parameter(request.GET, "user")
        entries = selectors.audit_entries(action=action, username=username)
        page = keyset_page(entries, request.GET, order=("at", "id"), per_page=self.per_page)
        query = urlencode(
            {name: value for name, value in (("action", action), ("user", username)) if value}
        )
        context = {
            "object_list": page.object_list,
            "page": page,
            "query": query,
            "action": request.GET.get("action", ""),
            "user_filter": request.GET.get("user", ""),
        }
        return render(request, "centre/audit_log.html", context)


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
        this_month = timezone.localdate().replace(day=1)
        try:
            window = statistics.Window.parse(
                text_parameter(request.GET, "from") or f"{this_month:%Y-%m}",
                text_parameter(request.GET, "to") or f"{this_month:%Y-%m}",
            )
        except ValueError:
            window = statistics.Window(this_month, this_month)
            messages.error(
                request,
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
        sites = self.sites_for(request.user)
        site = sites.filter(code=text_parameter(request.GET, "site")).first()
        if site is None and not request.user.has_role(Role.STATISTICS_ADMINISTRATOR):
            site = request.user.site
        return site, window, sites

    @staticmethod
    def sites_for(user: User) -> QuerySet[Site]:
        return selectors.statistics_sites_for_user(user)

    @staticmethod
    def clinical(user: User) -> bool:
        return user.has_role(Role.SUPERVISOR)


def bar_chart(
    series: list[tuple[str, Any]], *, width: int = 600, height: int = 140
) -> dict[str, Any]:
    """The geometry of an inline SVG bar chart (no script, no outside request)."""
    # A masked month ("<5", "*") has no bar, only its label.
    highest = max((value for _, value in series if isinstance(value, int)), default=0) or 1
    step = width / max(len(series), 1)
    bars = []
    for index, (month, value) in enumerate(series):
        bar_height = round(value / highest * (height - 20)) if isinstance(value, int) else 0
        bars.append(
            {
                "x": round(index * step + step * 0.15, 1),
                "y": height - bar_height,
                "width": round(step * 0.7, 1),
                "height": bar_height,
                "label": month[2:],
                "value": value,
                "label_x": round(index * step + step / 2, 1),
            }
        )
    return {"bars": bars, "width": width, "height": height, "label_y": height + 14}


class StatisticsView(StatisticsMixin, View):
    """This month (or the chosen window), the last 12 months as charts, since opening, per site
    and per school; aggregates only, never names; printable."""

    title = _("Statistics")

    def get(self, request: SignedInRequest) -> HttpResponse:
        site, window, sites = self.site_and_window(request)
        path = site.path if site else None
        clinical = self.clinical(request.user)
        last_year = statistics.Window.months_back(12)
        months = statistics.trend(last_year, site_path=path)
        opened = statistics.parse_month(settings.CENTRE_OPENED_MONTH)
        since = statistics.Window(min(opened, window.first), last_year.last)
        children = list(selectors.statistics_child_sites(site))
        masking = Masking(clinical=clinical, site=site, window=window, since=since)
        months = masking.trend(months)
        site_columns = statistics.figures_at(Placement.PER_SITE)
        breakdown = statistics.per_site(window, children)
        per_site = [
            {
                "site": child,
                "cells": masking.row(
                    values_of(breakdown[child.pk], site_columns), key=("site", child.pk)
                ),
            }
            for child in children
        ]
        school_columns = statistics.figures_at(Placement.PER_SCHOOL)
        schools = [
            {
                "school": row["school"],
                "cells": masking.row(
                    values_of(row, school_columns), key=("school", row["school_id"])
                ),
            }
            for row in statistics.per_school(window, site_path=path)
        ]
        headline = masking.headline(statistics.figures(window, site_path=path))
        since_opening = masking.headline(statistics.figures(since, site_path=path), since=True)
        context = {
            "title": self.title,
            "site": site,
            "sites": sites.order_by("path"),
            "window": window,
            "figures": shown(statistics.figures_at(Placement.HEADLINE), headline),
            "since": shown(statistics.figures_at(Placement.SINCE_OPENING), since_opening),
            "since_window": since,
            "masked": not clinical,
            "charts": [
                {
                    "label": figure.label,
                    **bar_chart(
                        [(month, values.get(figure.name, 0)) for month, values in months.items()]
                    ),
                }
                for figure in statistics.figures_at(Placement.TREND)
            ],
            "site_columns": site_columns,
            "per_site": per_site,
            "school_columns": school_columns,
            "schools": schools,
            "reports": selectors.monthly_reports()[:24],
            "query": request.GET.urlencode(),
        }
        return render(request, "centre/statistics.html", context)


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
    ) -> None:
        self.clinical, self.key = clinical, statistics.site_key(site)
        self.window, self.since = window, since
        self._hidden: dict[str, Any] = {}

    def hidden(self, which: str) -> Any:  # "months": hidden_by_month, else hidden_cells
        if which not in self._hidden:
            if which == "months":
                first = min(self.since.first, statistics.Window.months_back(12).first)
                span = statistics.Window(first, self.since.last)
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


class StatisticsExportView(StatisticsMixin, View):
    def get(self, request: SignedInRequest) -> HttpResponse:
        site, window, _sites = self.site_and_window(request)
        rows = statistics.labelled(
            statistics.rows_for_export(
                window,
                site_path=site.path if site else None,
                key=statistics.site_key(site),
                clinical=self.clinical(request.user),
            )
        )
        where = site.code if site else "network"
        name = f"statistics-{window.first:%Y-%m}-{window.last:%Y-%m}-{where}"
        return xlsx_response(
            request, f"{name}.xlsx", rows[0], rows[1:], action="centre.statistics.exported"
        )


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
    """The signed-in user's notifications, newest first; opening one marks it read."""

    def get(self, request: SignedInRequest) -> HttpResponse:
        notifications = selectors.notifications_for_user(request.user)[:100]
        return render(request, "centre/inbox.html", {"notifications": notifications})

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
