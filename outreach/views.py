"""Outreach pages: the workspace, the calendar and its feed, monthly targets; events, series,
attendance and participants; partners and their agreements, trainees and sign-in sheets."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from django.views import View

from centre import views as centre_views
from centre.audit import audit_read
from centre.errors import NotFoundError
from centre.forms import ServiceFormMixin, refusal_message, staff_label
from centre.http import SignedInRequest
from centre.paging import keyset_page
from centre.parameters import BadParameter, id_parameter, text_parameter
from centre.permissions import RecordRoleRequiredMixin, RoleRequiredMixin
from centre.roles import CLINICIAN_ROLES, Role, has_any_role
from centre.selectors import schools_for_user, staff_of_site_tree
from centre.statistics.months import parse_month
from outreach import calendar_feed, forms, selectors, services, targets
from outreach.models import CalendarFeed, Event, EventKind, Partner, Series
from outreach.services.calendar import token_hash


class WorkspaceView(centre_views.WorkspaceView):
    roles = frozenset({Role.OUTREACH_COORDINATOR, Role.SUPERVISOR})
    title = _("Outreach")
    description = _(
        "School lectures, parent classes, group counselling, trainings and community events, with "
        "their attendance."
    )
    template_name = "outreach/workspace.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        """This month at a glance (out1): the own site's target progress, the sites behind
        below it, and the month's events, each linking to its page."""
        from outreach.workspace import month_at_a_glance

        context = super().get_context_data(**kwargs)
        context.update(month_at_a_glance(self.request))
        return context


# Calendar and its feed, monthly targets


OUTREACH_STAFF = frozenset({Role.OUTREACH_COORDINATOR, Role.SUPERVISOR})
FEED_USERS = frozenset({Role.OUTREACH_COORDINATOR, Role.SUPERVISOR, Role.COUNSELLOR})


def _month_parameter(request) -> datetime.date:
    text = request.GET.get("month", "").strip()
    if not text:
        return targets.this_month()
    try:
        return parse_month(text[:20])
    except ValueError as error:
        raise BadParameter("month", gettext_now("“month” is a month, YYYY-MM.")) from error


class TargetBoardView(RoleRequiredMixin, View):
    """Each site's progress against its monthly targets, the site tree by path (keyset pages),
    optionally only the sites behind."""

    roles = OUTREACH_STAFF

    def get(self, request):
        month = _month_parameter(request)
        behind_only = request.GET.get("behind") == "1"
        sites = targets.with_progress(selectors.outreach_sites_visible_to(user=request.user), month)
        if behind_only:
            sites = sites.filter(targets.behind_condition())
        page = keyset_page(sites, request.GET, order=("path", "id"), ascending=True)
        rows = [targets.Progress.of(site) for site in page.object_list]
        query = f"month={month:%Y-%m}" + ("&behind=1" if behind_only else "")
        return render(
            request,
            "outreach/targets.html",
            {
                "rows": rows,
                "page": page,
                "query": query,
                "month": month,
                "behind_only": behind_only,
                "editable": {
                    row.site.pk for row in rows if services.can_edit_target(request.user, row.site)
                },
            },
        )


class SiteTargetEditView(ServiceFormMixin, RecordRoleRequiredMixin, View):
    roles = OUTREACH_STAFF

    def _site(self, request, site_id):
        return selectors.get_outreach_site_for_user(user=request.user, site_id=site_id)

    def get(self, request, site_id):
        site = targets.with_progress(
            selectors.outreach_sites_visible_to(user=request.user).filter(pk=site_id),
            targets.this_month(),
        ).first()
        if site is None:
            raise Http404
        progress = targets.Progress.of(site)
        form = forms.SiteTargetForm(
            initial={
                "parent_classes": progress.parent_target,
                "group_sessions": progress.group_target,
            }
        )
        return self._render(request, site, form)

    def post(self, request, site_id):
        site = self._site(request, site_id)
        form = forms.SiteTargetForm(request.POST)
        outcome = self.submit(
            form,
            lambda: services.site_target_set(actor=request.user, site=site, **form.cleaned_data),
        )
        if outcome.saved:
            messages.success(request, gettext_now("The targets are saved."))
            return redirect("outreach:targets")
        return self._render(request, site, form, status=outcome.status)

    @staticmethod
    def _render(request, site, form, status=200):
        return render(
            request, "outreach/target_form.html", {"site": site, "form": form}, status=status
        )


class CalendarView(RoleRequiredMixin, View):
    """A month or a week of events, per site and facilitator, planned against held; on a phone
    the days are a list."""

    roles = OUTREACH_STAFF

    def get(self, request):
        week = request.GET.get("view") == "week"
        text = request.GET.get("day", "").strip()
        try:
            day = datetime.date.fromisoformat(text[:10]) if text else timezone.localdate()
            if not 2000 <= day.year <= 2099:
                raise ValueError
        except ValueError as error:
            raise BadParameter("day", gettext_now("“day” is a date, YYYY-MM-DD.")) from error
        if week:
            first = day - datetime.timedelta(days=day.weekday())
            last = first + datetime.timedelta(days=6)
        else:
            first = day.replace(day=1)
            last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(1)
        start = timezone.make_aware(datetime.datetime.combine(first, datetime.time()))
        end = timezone.make_aware(
            datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time())
        )
        events = selectors.calendar_events_visible_to(user=request.user).filter(
            starts_at__gte=start, starts_at__lt=end
        )
        site_id = id_parameter(request.GET, "site")
        facilitator_id = id_parameter(request.GET, "facilitator")
        if site_id is not None:
            events = events.filter(site_id=site_id)
        if facilitator_id is not None:
            events = events.filter(facilitators__id=facilitator_id)
        shown = list(
            events.select_related("site", "topic").order_by("starts_at", "id").distinct()[:500]
        )
        audit_read(request, "outreach.event.listed", shown)
        days = []
        current = first
        while current <= last:
            days.append(
                {
                    "date": current,
                    "events": [
                        event
                        for event in shown
                        if timezone.localtime(event.starts_at).date() == current
                    ],
                }
            )
            current += datetime.timedelta(days=1)
        span = datetime.timedelta(days=7) if week else datetime.timedelta(days=31)
        return render(
            request,
            "outreach/calendar.html",
            {
                "days": days,
                "week": week,
                "first": first,
                "last": last,
                "previous": (first - (datetime.timedelta(days=1) if not week else span)),
                "next": last + datetime.timedelta(days=1),
                "sites": selectors.outreach_sites_visible_to(user=request.user).order_by("path")[
                    :300
                ],
                "site_id": site_id,
                "facilitators": [
                    (person.pk, staff_label(person))
                    for person in staff_of_site_tree(
                        site=request.user.site, roles=selectors.EVENT_ROLES
                    ).order_by("last_name", "first_name", "id")[:300]
                ],
                "facilitator_id": facilitator_id,
                "language": get_language() or "zh-hans",
            },
        )


class CalendarFeedManageView(RoleRequiredMixin, View):
    """The user's secret calendar address: made (shown once), made anew, or ended."""

    roles = FEED_USERS

    def get(self, request):
        return self._render(request, token=None)

    def post(self, request):
        if request.POST.get("action") == "end":
            services.calendar_feed_end(actor=request.user)
            messages.success(request, gettext_now("The calendar address no longer works."))
            return redirect("outreach:calendar_feed")
        token = services.calendar_feed_reset(actor=request.user)
        return self._render(request, token=token)

    @staticmethod
    def _render(request, token):
        address = request.build_absolute_uri(f"/outreach/calendar/{token}.ics") if token else ""
        has_feed = hasattr(request.user, "outreach_calendar_feed")
        return render(
            request,
            "outreach/calendar_feed.html",
            {"address": address, "has_feed": has_feed},
        )


class CalendarFeedView(View):
    """The feed itself, for a calendar app: no session, the token is the key. A wrong, old or
    malformed token answers 404; the answer is audited as the feed's owner."""

    def get(self, request, token):
        feed = (
            CalendarFeed.objects.select_related("user__site")  # access: the secret token is the key
            .filter(token_hash=token_hash(token), user__is_active=True)
            .first()
        )
        if feed is None:
            raise Http404
        start, end = calendar_feed.window()
        events = list(
            selectors.feed_events_for(user=feed.user)
            .filter(starts_at__gte=start, starts_at__lt=end)
            .select_related("site", "topic", "school", "partner")
            .order_by("starts_at", "id")[: calendar_feed.MAX_EVENTS]
        )
        calendar_feed.audit_feed_read(feed=feed, events=len(events), request=request)
        body = calendar_feed.feed(
            events, language=feed.user.language or "zh-hans", host=request.get_host()
        )
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Cache-Control"] = "private, no-store"
        response["Referrer-Policy"] = "no-referrer"
        return response


# Events, series, attendance, participants


EVENT_READERS = selectors.EVENT_ROLES
EVENT_PLANNERS = selectors.EVENT_PLANNER_ROLES


def _event_filters(request: SignedInRequest) -> dict[str, Any]:
    kind = request.GET.get("kind", "").strip()
    status = request.GET.get("status", "").strip()
    if kind and kind not in EventKind.values:
        raise BadParameter("kind", gettext_now("Choose a kind of event from the list."))
    if status and status not in Event.Status.values:
        raise BadParameter("status", gettext_now("Choose a status from the list."))
    month = _month_parameter(request) if request.GET.get("month", "").strip() else None
    return {"kind": kind, "status": status, "month": month}


class EventListView(RoleRequiredMixin, View):
    """The events of the user's site tree (a facilitator: those they run), the latest first,
    filtered by kind, status and month, in keyset pages."""

    roles = EVENT_READERS

    def get(self, request: SignedInRequest) -> HttpResponse:
        filters = _event_filters(request)
        events = selectors.event_list(user=request.user, **filters)
        page = keyset_page(events, request.GET, order=("starts_at", "id"))
        audit_read(request, "outreach.event.listed", page.object_list)
        query = "&".join(
            f"{name}={value:%Y-%m}" if name == "month" else f"{name}={value}"
            for name, value in filters.items()
            if value
        )
        return render(
            request,
            "outreach/event_list.html",
            {
                "page": page,
                "events": page.object_list,
                "query": query,
                "filters": filters,
                "kinds": EventKind.choices,
                "statuses": Event.Status.choices,
                "may_plan": selectors.user_may_plan_events(user=request.user),
                "language": get_language() or "zh-hans",
            },
        )


class EventCreateView(ServiceFormMixin, RoleRequiredMixin, View):
    roles = EVENT_PLANNERS

    def get(self, request: SignedInRequest) -> HttpResponse:
        form = forms.EventForm(user=request.user)
        return self._render(request, form)

    def post(self, request: SignedInRequest) -> HttpResponse:
        form = forms.EventForm(request.POST, user=request.user)
        outcome = self.submit(
            form, lambda: services.event_create(actor=request.user, **form.service_arguments())
        )
        if outcome.saved:
            messages.success(request, gettext_now("The event is planned."))
            return redirect("outreach:event", event_id=outcome.value.pk)
        return self._render(request, form, status=outcome.status)

    @staticmethod
    def _render(request: SignedInRequest, form: Any, status: int = 200) -> HttpResponse:
        return render(
            request,
            "outreach/event_form.html",
            {
                "form": form,
                "event": None,
                "kinds_with_venue": ["community_event", "partner_service"],
            },
            status=status,
        )


def _event(request: SignedInRequest, event_id: int) -> Event:
    return selectors.get_event_for_user(user=request.user, event_id=event_id)


def _participants_shown(request: SignedInRequest, event: Event) -> list[Any] | None:
    """The participant list for a clinician who may see every listed case; None otherwise (the
    page then shows the count alone)."""
    if not event.is_group or not has_any_role(request.user, CLINICIAN_ROLES):
        return None
    return selectors.participant_list_for_user(user=request.user, event=event)


class EventDetailView(ServiceFormMixin, RecordRoleRequiredMixin, View):
    """An event: what is planned, its attendance and report; for a group, its participants
    (only to a clinician who may see each of their cases)."""

    roles = EVENT_READERS

    def get(self, request: SignedInRequest, event_id: int) -> HttpResponse:
        event = _event(request, event_id)
        return self._render(request, event, forms.ParticipantAddForm())

    def post(self, request: SignedInRequest, event_id: int) -> HttpResponse:
        """Add a participant (a case the clinician sees, with a consent in force)."""
        event = _event(request, event_id)
        if not event.is_group or not has_any_role(request.user, CLINICIAN_ROLES):
            raise PermissionDenied
        form = forms.ParticipantAddForm(request.POST)

        def add() -> Any:
            case = selectors.get_case_for_participation(
                user=request.user, case_id=form.cleaned_data["case"]
            )
            return services.participant_add(actor=request.user, event=event, case=case)

        if form.is_valid():
            try:
                outcome = self.call_service(form, add)
            except NotFoundError:
                # A case one may not see is answered like one that does not exist.
                form.add_error("case", gettext_now("No case with this number that you may see."))
                return self._render(request, event, form, status=400)
            if outcome.saved:
                messages.success(request, gettext_now("The participant is added."))
                return redirect("outreach:event", event_id=event.pk)
            return self._render(request, event, form, status=outcome.status)
        return self._render(request, event, form, status=400)

    def _render(
        self, request: SignedInRequest, event: Event, form: Any, status: int = 200
    ) -> HttpResponse:
        participants = _participants_shown(request, event)
        audit_read(request, "outreach.event.viewed", event)
        if participants:
            audit_read(request, "outreach.participant.listed", [p.case for p in participants])
        return render(
            request,
            "outreach/event_detail.html",
            {
                "event": event,
                "participants": participants,
                "participant_count": event.participants.count() if event.is_group else 0,
                "may_plan": selectors.user_may_plan_events(user=request.user),
                "may_add": event.is_group
                and event.status != Event.Status.CANCELLED
                and has_any_role(request.user, CLINICIAN_ROLES),
                "form": form,
                "language": get_language() or "zh-hans",
            },
            status=status,
        )


class EventEditView(ServiceFormMixin, RecordRoleRequiredMixin, View):
    """Edit one event (a series' session alone), at the version read."""

    roles = EVENT_PLANNERS

    def get(self, request: SignedInRequest, event_id: int) -> HttpResponse:
        event = _event(request, event_id)
        form = forms.EventEditForm(
            initial=forms.EventEditForm.initial_for(event), user=request.user
        )
        return self._render(request, event, form)

    def post(self, request: SignedInRequest, event_id: int) -> HttpResponse:
        event = _event(request, event_id)
        form = forms.EventEditForm(request.POST, user=request.user)
        outcome = self.submit(
            form,
            lambda: services.event_update(
                actor=request.user,
                event=event,
                expected_version=form.cleaned_data["version"],
                **form.service_arguments(),
            ),
        )
        if outcome.saved:
            messages.success(request, gettext_now("The event is saved."))
            return redirect("outreach:event", event_id=event.pk)
        if outcome.conflict:
            event.refresh_from_db()
        return self._render(request, event, form, status=outcome.status)

    @staticmethod
    def _render(
        request: SignedInRequest, event: Event, form: Any, status: int = 200
    ) -> HttpResponse:
        return render(
            request,
            "outreach/event_form.html",
            {"form": form, "event": event},
            status=status,
        )


class EventCancelView(ServiceFormMixin, RecordRoleRequiredMixin, View):
    """Cancel a planned event, after a confirmation."""

    roles = EVENT_PLANNERS

    def get(self, request: SignedInRequest, event_id: int) -> HttpResponse:
        event = _event(request, event_id)
        form = forms.CancelForm(initial={"version": event.version})
        return self._render(request, event, form)

    def post(self, request: SignedInRequest, event_id: int) -> HttpResponse:
        event = _event(request, event_id)
        form = forms.CancelForm(request.POST)
        outcome = self.submit(
            form,
            lambda: services.event_cancel(
                actor=request.user, event=event, expected_version=form.cleaned_data["version"]
            ),
        )
        if outcome.saved:
            messages.success(request, gettext_now("The event is cancelled."))
            return redirect("outreach:event", event_id=event.pk)
        return self._render(request, event, form, status=outcome.status)

    @staticmethod
    def _render(
        request: SignedInRequest, event: Event, form: Any, status: int = 200
    ) -> HttpResponse:
        return render(
            request, "outreach/event_cancel.html", {"form": form, "event": event}, status=status
        )


class EventAttendanceView(ServiceFormMixin, RecordRoleRequiredMixin, View):
    """The counts by audience, typed on a phone at the door (big inputs, a numeric keyboard).
    Facilitators record them as well as planners."""

    roles = EVENT_READERS
    template = "outreach/event_attendance.html"
    form_class: Any = forms.AttendanceForm
    saved_message = _("The attendance is saved.")

    def get(self, request: SignedInRequest, event_id: int) -> HttpResponse:
        event = _event(request, event_id)
        form = self.form_class(initial=self.form_class.initial_for(event))
        return self._render(request, event, form)

    def post(self, request: SignedInRequest, event_id: int) -> HttpResponse:
        event = _event(request, event_id)
        form = self.form_class(request.POST)
        outcome = self.submit(form, lambda: self.save(request, event, form))
        if outcome.saved:
            messages.success(request, str(self.saved_message))
            return redirect("outreach:event", event_id=event.pk)
        if outcome.conflict:
            event.refresh_from_db()
        return self._render(request, event, form, status=outcome.status)

    @staticmethod
    def save(request: SignedInRequest, event: Event, form: Any) -> Event:
        return services.event_record_attendance(
            actor=request.user,
            event=event,
            expected_version=form.cleaned_data["version"],
            **form.counts(),
        )

    def _render(
        self, request: SignedInRequest, event: Event, form: Any, status: int = 200
    ) -> HttpResponse:
        return render(request, self.template, {"form": form, "event": event}, status=status)


class EventHeldView(EventAttendanceView):
    """Mark an event held, with a short report and its attendance."""

    template = "outreach/event_held.html"
    form_class = forms.HeldForm
    saved_message = _("The event is marked held.")

    @staticmethod
    def save(request: SignedInRequest, event: Event, form: Any) -> Event:
        return services.event_mark_held(
            actor=request.user,
            event=event,
            expected_version=form.cleaned_data["version"],
            report=form.cleaned_data.get("report") or "",
            **form.counts(),
        )


class ParticipantRemoveView(ServiceFormMixin, RecordRoleRequiredMixin, View):
    """Take a participant off a group's list, after a confirmation."""

    roles = CLINICIAN_ROLES

    def _participant(self, request: SignedInRequest, event_id: int, participant_id: int) -> Any:
        event = _event(request, event_id)
        participant = selectors.get_participant_for_user(
            user=request.user, event=event, participant_id=participant_id
        )
        return event, participant

    def get(self, request: SignedInRequest, event_id: int, participant_id: int) -> HttpResponse:
        event, participant = self._participant(request, event_id, participant_id)
        audit_read(request, "outreach.participant.viewed", participant.case)
        return render(
            request,
            "outreach/participant_remove.html",
            {"event": event, "participant": participant},
        )

    def post(self, request: SignedInRequest, event_id: int, participant_id: int) -> HttpResponse:
        event, participant = self._participant(request, event_id, participant_id)
        outcome = self.call_service(
            None, lambda: services.participant_remove(actor=request.user, participant=participant)
        )
        if outcome.saved:
            messages.success(request, gettext_now("The participant is taken off the list."))
        else:
            messages.error(request, refusal_message(outcome))
        return redirect("outreach:event", event_id=event.pk)


class SeriesCreateView(ServiceFormMixin, RoleRequiredMixin, View):
    """A recurring series, made once: its sessions are then edited or cancelled alone."""

    roles = EVENT_PLANNERS

    def get(self, request: SignedInRequest) -> HttpResponse:
        return self._render(request, forms.SeriesForm(user=request.user))

    def post(self, request: SignedInRequest) -> HttpResponse:
        form = forms.SeriesForm(request.POST, user=request.user)
        outcome = self.submit(
            form, lambda: services.series_create(actor=request.user, **form.service_arguments())
        )
        if outcome.saved:
            messages.success(request, gettext_now("The series and its sessions are planned."))
            return redirect("outreach:series", series_id=outcome.value.pk)
        return self._render(request, form, status=outcome.status)

    @staticmethod
    def _render(request: SignedInRequest, form: Any, status: int = 200) -> HttpResponse:
        return render(request, "outreach/series_form.html", {"form": form}, status=status)


def _series_events(request: SignedInRequest, series: Series) -> QuerySet[Event]:
    return (
        selectors.event_visible_to(user=request.user)
        .filter(series=series)
        .select_related("site", "topic")
        .order_by("starts_at", "id")
    )


class SeriesDetailView(RecordRoleRequiredMixin, View):
    roles = EVENT_PLANNERS

    def get(self, request: SignedInRequest, series_id: int) -> HttpResponse:
        series = selectors.get_series_for_user(user=request.user, series_id=series_id)
        events = list(_series_events(request, series))
        audit_read(request, "outreach.event.listed", events)
        return render(
            request,
            "outreach/series_detail.html",
            {"series": series, "events": events, "form": forms.SeriesCancelForm()},
        )


class SeriesCancelView(ServiceFormMixin, RecordRoleRequiredMixin, View):
    """Cancel a series' sessions still planned from now on, after a confirmation."""

    roles = EVENT_PLANNERS

    def get(self, request: SignedInRequest, series_id: int) -> HttpResponse:
        series = selectors.get_series_for_user(user=request.user, series_id=series_id)
        return self._render(request, series, forms.SeriesCancelForm())

    def post(self, request: SignedInRequest, series_id: int) -> HttpResponse:
        series = selectors.get_series_for_user(user=request.user, series_id=series_id)
        form = forms.SeriesCancelForm(request.POST)
        outcome = self.submit(
            form, lambda: services.series_cancel(actor=request.user, series=series)
        )
        if outcome.saved:
            messages.success(
                request,
                gettext_now("%(count)d sessions are cancelled.") % {"count": outcome.value},
            )
            return redirect("outreach:series", series_id=series.pk)
        return self._render(request, series, form, status=outcome.status)

    @staticmethod
    def _render(
        request: SignedInRequest, series: Series, form: Any, status: int = 200
    ) -> HttpResponse:
        planned = (
            _series_events(request, series)
            .filter(status=Event.Status.PLANNED, starts_at__gte=timezone.now())
            .count()
        )
        return render(
            request,
            "outreach/series_cancel.html",
            {"series": series, "form": form, "planned": planned},
            status=status,
        )


# Partners and their agreements, trainees, sign-in sheet import

PARTNER_STAFF = frozenset({Role.OUTREACH_COORDINATOR, Role.SUPERVISOR})


def _partner_kind_parameter(request: SignedInRequest) -> str:
    kind = text_parameter(request.GET, "kind", max_length=20)
    if kind and kind not in Partner.Kind.values:
        raise BadParameter("kind", gettext_now("“kind” is one of the partner kinds."))
    return kind


def _partner_form(request: SignedInRequest, *args, editing: bool = False, **kwargs):
    return forms.PartnerForm(
        *args,
        sites=selectors.outreach_sites_visible_to(user=request.user).order_by("path"),
        schools=schools_for_user(request.user).order_by("code"),
        editing=editing,
        **kwargs,
    )


class PartnerListView(RoleRequiredMixin, View):
    """The partners of the user's site tree (by name, keyset pages), filtered by kind or to
    those with an agreement expiring within 60 days; the expiring agreements listed above."""

    roles = PARTNER_STAFF

    def get(self, request: SignedInRequest) -> HttpResponse:
        kind = _partner_kind_parameter(request)
        expiring_only = request.GET.get("expiring") == "1"
        partners = selectors.partner_list(user=request.user, kind=kind, expiring=expiring_only)
        page = keyset_page(partners, request.GET, order=("name", "id"), ascending=True)
        query = "&".join(
            part
            for part in (f"kind={kind}" if kind else "", "expiring=1" if expiring_only else "")
            if part
        )
        return render(
            request,
            "outreach/partners.html",
            {
                "page": page,
                "partners": page.object_list,
                "query": query,
                "kind": kind,
                "kinds": Partner.Kind.choices,
                "expiring_only": expiring_only,
                "expiring": list(selectors.expiring_agreements(user=request.user)[:50]),
                "expiring_days": selectors.AGREEMENT_EXPIRING_DAYS,
            },
        )


class PartnerCreateView(ServiceFormMixin, RoleRequiredMixin, View):
    roles = PARTNER_STAFF

    def get(self, request: SignedInRequest) -> HttpResponse:
        form = _partner_form(request, initial={"site": request.user.site_id, "active": True})
        return self._render(request, form)

    def post(self, request: SignedInRequest) -> HttpResponse:
        form = _partner_form(request, request.POST)
        outcome = self.submit(
            form, lambda: services.partner_create(actor=request.user, **form.cleaned_data)
        )
        if outcome.saved:
            messages.success(request, gettext_now("The partner is saved."))
            return redirect("outreach:partner", partner_id=outcome.value.pk)
        return self._render(request, form, status=outcome.status)

    @staticmethod
    def _render(request, form, status=200):
        return render(
            request, "outreach/partner_form.html", {"form": form, "partner": None}, status=status
        )


class PartnerView(RecordRoleRequiredMixin, View):
    """A partner: its details, its agreements (in force, expiring, ended) and its events."""

    roles = PARTNER_STAFF

    def get(self, request: SignedInRequest, partner_id: int) -> HttpResponse:
        partner = selectors.get_partner_for_user(user=request.user, partner_id=partner_id)
        today, last = selectors.expiring_window()
        events = list(selectors.partner_events(user=request.user, partner=partner)[:50])
        audit_read(request, "outreach.event.listed", events)
        return render(
            request,
            "outreach/partner.html",
            {
                "partner": partner,
                "agreements": list(selectors.agreements_of(partner=partner)),
                "events": events,
                "today": today,
                "expiring_until": last,
            },
        )


class PartnerEditView(ServiceFormMixin, RecordRoleRequiredMixin, View):
    roles = PARTNER_STAFF

    def get(self, request: SignedInRequest, partner_id: int) -> HttpResponse:
        partner = selectors.get_partner_for_user(user=request.user, partner_id=partner_id)
        initial = {name: getattr(partner, name) for name in services.PARTNER_FIELDS}
        form = _partner_form(request, initial=initial, editing=True)
        return self._render(request, partner, form)

    def post(self, request: SignedInRequest, partner_id: int) -> HttpResponse:
        partner = selectors.get_partner_for_user(user=request.user, partner_id=partner_id)
        form = _partner_form(request, request.POST, editing=True)
        outcome = self.submit(
            form,
            lambda: services.partner_update(
                actor=request.user, partner=partner, **form.cleaned_data
            ),
        )
        if outcome.saved:
            messages.success(request, gettext_now("The partner is saved."))
            return redirect("outreach:partner", partner_id=partner.pk)
        return self._render(request, partner, form, status=outcome.status)

    @staticmethod
    def _render(request, partner, form, status=200):
        return render(
            request,
            "outreach/partner_form.html",
            {"form": form, "partner": partner},
            status=status,
        )


class AgreementCreateView(ServiceFormMixin, RecordRoleRequiredMixin, View):
    roles = PARTNER_STAFF

    def get(self, request: SignedInRequest, partner_id: int) -> HttpResponse:
        partner = selectors.get_partner_for_user(user=request.user, partner_id=partner_id)
        form = forms.AgreementForm(initial={"contact_person": partner.contact_person})
        return _render_agreement(request, partner, None, form)

    def post(self, request: SignedInRequest, partner_id: int) -> HttpResponse:
        partner = selectors.get_partner_for_user(user=request.user, partner_id=partner_id)
        form = forms.AgreementForm(request.POST)
        outcome = self.submit(
            form,
            lambda: services.agreement_create(
                actor=request.user, partner=partner, **form.cleaned_data
            ),
        )
        if outcome.saved:
            messages.success(request, gettext_now("The agreement is saved."))
            return redirect("outreach:partner", partner_id=partner.pk)
        return _render_agreement(request, partner, None, form, status=outcome.status)


class AgreementEditView(ServiceFormMixin, RecordRoleRequiredMixin, View):
    roles = PARTNER_STAFF

    def get(self, request: SignedInRequest, agreement_id: int) -> HttpResponse:
        agreement = selectors.get_agreement_for_user(user=request.user, agreement_id=agreement_id)
        initial = {name: getattr(agreement, name) for name in services.AGREEMENT_FIELDS}
        form = forms.AgreementForm(initial=initial)
        return _render_agreement(request, agreement.partner, agreement, form)

    def post(self, request: SignedInRequest, agreement_id: int) -> HttpResponse:
        agreement = selectors.get_agreement_for_user(user=request.user, agreement_id=agreement_id)
        form = forms.AgreementForm(request.POST)
        outcome = self.submit(
            form,
            lambda: services.agreement_update(
                actor=request.user, agreement=agreement, **form.cleaned_data
            ),
        )
        if outcome.saved:
            messages.success(request, gettext_now("The agreement is saved."))
            return redirect("outreach:partner", partner_id=agreement.partner_id)
        return _render_agreement(request, agreement.partner, agreement, form, status=outcome.status)


def _render_agreement(request, partner, agreement, form, status=200):
    return render(
        request,
        "outreach/partner_agreement_form.html",
        {"partner": partner, "agreement": agreement, "form": form},
        status=status,
    )


TRAINEE_STAFF = frozenset({Role.OUTREACH_COORDINATOR, Role.SUPERVISOR, Role.COUNSELLOR})


class TraineesView(ServiceFormMixin, RecordRoleRequiredMixin, View):
    """A training's trainees: the head count (typed, or raised by the list) and the optional
    list by name and organisation, added one by one (at the door) or imported from the sign-in
    sheet. For whoever sees the training (its planners and facilitators); any other event 404."""

    roles = TRAINEE_STAFF

    def get(self, request: SignedInRequest, event_id: int) -> HttpResponse:
        event = selectors.get_training_for_user(user=request.user, event_id=event_id)
        return self._render(request, event)

    def post(self, request: SignedInRequest, event_id: int) -> HttpResponse:
        event = selectors.get_training_for_user(user=request.user, event_id=event_id)
        if request.POST.get("action") == "count":
            count_form = forms.TraineesCountForm(request.POST)
            outcome = self.submit(
                count_form,
                lambda: services.trainees_count_set(
                    actor=request.user,
                    event=event,
                    expected_version=count_form.cleaned_data["version"],
                    count=count_form.cleaned_data["trainees_count"],
                ),
            )
            if outcome.saved:
                messages.success(request, gettext_now("The count is saved."))
                return redirect("outreach:trainees", event_id=event.pk)
            return self._render(request, event, count_form=count_form, status=outcome.status)
        form = forms.TraineeForm(request.POST)
        outcome = self.submit(
            form, lambda: services.trainee_add(actor=request.user, event=event, **form.cleaned_data)
        )
        if outcome.saved:
            messages.success(request, gettext_now("The trainee is listed."))
            return redirect("outreach:trainees", event_id=event.pk)
        return self._render(request, event, form=form, status=outcome.status)

    @staticmethod
    def _render(request, event, *, form=None, count_form=None, status=200):
        page = keyset_page(
            selectors.trainees_of(event=event),
            request.GET,
            order=("id",),
            per_page=100,
            ascending=True,
        )
        audit_read(request, "outreach.trainee.listed", page.object_list)
        return render(
            request,
            "outreach/trainees.html",
            {
                "event": event,
                "trainees": page.object_list,
                "page": page,
                "listed": event.trainees.count(),
                "form": form or forms.TraineeForm(),
                "count_form": count_form
                or forms.TraineesCountForm(
                    initial={"version": event.version, "trainees_count": event.trainees_count}
                ),
            },
            status=status,
        )


class TraineeRemoveView(ServiceFormMixin, RecordRoleRequiredMixin, View):
    """Take a trainee off the list, after a confirmation."""

    roles = TRAINEE_STAFF

    def _trainee(self, request: SignedInRequest, event_id: int, trainee_id: int):
        event = selectors.get_training_for_user(user=request.user, event_id=event_id)
        trainee = selectors.get_trainee_for_user(
            user=request.user, event=event, trainee_id=trainee_id
        )
        return event, trainee

    def get(self, request: SignedInRequest, event_id: int, trainee_id: int) -> HttpResponse:
        event, trainee = self._trainee(request, event_id, trainee_id)
        audit_read(request, "outreach.trainee.viewed", trainee)
        return render(request, "outreach/trainee_remove.html", {"event": event, "trainee": trainee})

    def post(self, request: SignedInRequest, event_id: int, trainee_id: int) -> HttpResponse:
        event, trainee = self._trainee(request, event_id, trainee_id)
        services.trainee_remove(actor=request.user, trainee=trainee)
        messages.success(request, gettext_now("The trainee is taken off the list."))
        return redirect("outreach:trainees", event_id=event.pk)


SHEET_STAFF = frozenset({Role.OUTREACH_COORDINATOR, Role.SUPERVISOR, Role.COUNSELLOR})


class SignInSheetImportView(ServiceFormMixin, RecordRoleRequiredMixin, View):
    """Import an event's sign-in sheet: the attendance by audience and, for a training, the
    trainee list; the report (row, column, reason) on the page. For whoever sees the event."""

    roles = SHEET_STAFF

    def get(self, request: SignedInRequest, event_id: int) -> HttpResponse:
        event = selectors.get_event_for_user(user=request.user, event_id=event_id)
        return self._render(request, event, forms.SignInSheetForm())

    def post(self, request: SignedInRequest, event_id: int) -> HttpResponse:
        event = selectors.get_event_for_user(user=request.user, event_id=event_id)
        form = forms.SignInSheetForm(request.POST, request.FILES)

        def run():
            upload = form.cleaned_data["file"]
            return services.sheet_import(
                actor=request.user,
                event=event,
                data=upload.read(),
                name=upload.name or "",
                all_or_nothing=form.cleaned_data["all_or_nothing"],
                replace_counts=form.cleaned_data["replace_counts"],
            )

        outcome = self.submit(form, run)
        if not outcome.saved:
            return self._render(request, event, form, status=outcome.status)
        return self._render(request, event, forms.SignInSheetForm(), report=outcome.value)

    @staticmethod
    def _render(request, event, form, *, report=None, status=200):
        return render(
            request,
            "outreach/import.html",
            {
                "event": event,
                "form": form,
                "report": report,
                "errors": report.errors[:500] if report else [],
                "is_training": event.kind == event.Kind.TRAINING,
            },
            status=status,
        )
