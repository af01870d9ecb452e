"""Outreach's API: events (list, retrieve, plan, edit) and their attendance, with the same
selectors and services as the pages. No participant is ever in an answer (the participant list
is a page for the clinicians who see the cases)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from centre.api import ActionPermission, CursorPagination, paginated, some_change
from centre.http import SignedInApiRequest
from centre.selectors import schools_for_user, staff_of_site_tree
from outreach import selectors, services
from outreach.forms import COUNT_MAX, partners_for_user
from outreach.models import EVENT_MINUTES_MAX, Event, EventKind, VenueType

# Events, attendance


@extend_schema_serializer(component_name="OutreachEvent")
class EventSerializer(serializers.ModelSerializer):
    facilitators: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    attendance_total = serializers.IntegerField(read_only=True)

    class Meta:
        model = Event
        fields = [
            "id",
            "site",
            "kind",
            "venue_type",
            "school",
            "partner",
            "series",
            "title",
            "topic",
            "starts_at",
            "duration_minutes",
            "capacity",
            "status",
            "report",
            "facilitators",
            *Event.AUDIENCES,
            "trainees_count",
            "attendance_total",
            "version",
        ]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.INT)
class _UserChoices(serializers.PrimaryKeyRelatedField):
    """A related record among those the requesting user may choose (their site tree)."""

    def __init__(self, choices: str, **kwargs: Any) -> None:
        self.choices_of = choices
        super().__init__(**kwargs)

    def get_queryset(self) -> Any:
        user = self.context["request"].user
        if self.choices_of == "site":
            return selectors.outreach_sites_visible_to(user=user)
        if self.choices_of == "school":
            return schools_for_user(user)
        if self.choices_of == "partner":
            return partners_for_user(user)
        if self.choices_of == "topic":
            return selectors.active_topics()
        return staff_of_site_tree(site=user.site, roles=selectors.EVENT_ROLES)


class _EventChoices(serializers.Serializer):
    """The fields an event's plan and its change share, all optional here."""

    kind = serializers.ChoiceField(choices=EventKind.choices, required=False)
    venue_type = serializers.ChoiceField(
        choices=VenueType.choices, required=False, allow_blank=True
    )
    school = _UserChoices("school", required=False, allow_null=True)
    partner = _UserChoices("partner", required=False, allow_null=True)
    title = serializers.CharField(max_length=200, required=False)
    topic = _UserChoices("topic", required=False)
    starts_at = serializers.DateTimeField(required=False)
    duration_minutes = serializers.IntegerField(
        min_value=1, max_value=EVENT_MINUTES_MAX, required=False
    )
    capacity = serializers.IntegerField(
        min_value=1, max_value=COUNT_MAX, required=False, allow_null=True
    )
    facilitators = _UserChoices("facilitator", many=True, required=False)


@extend_schema_serializer(component_name="OutreachEventInput")
class EventInputSerializer(_EventChoices):
    site = _UserChoices("site")
    kind = serializers.ChoiceField(choices=EventKind.choices)
    title = serializers.CharField(max_length=200)
    topic = _UserChoices("topic")
    starts_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="OutreachEventChangeInput")
class EventChangeSerializer(_EventChoices):
    version = serializers.IntegerField(min_value=1)


@extend_schema_serializer(component_name="OutreachAttendanceInput")
class AttendanceSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    students = serializers.IntegerField(min_value=0, max_value=COUNT_MAX, required=False)
    parents = serializers.IntegerField(min_value=0, max_value=COUNT_MAX, required=False)
    teachers = serializers.IntegerField(min_value=0, max_value=COUNT_MAX, required=False)
    staff = serializers.IntegerField(min_value=0, max_value=COUNT_MAX, required=False)
    others = serializers.IntegerField(min_value=0, max_value=COUNT_MAX, required=False)
    trainees_count = serializers.IntegerField(min_value=0, max_value=COUNT_MAX, required=False)


FILTERS = [
    OpenApiParameter("kind", OpenApiTypes.STR, enum=EventKind.values),
    OpenApiParameter("status", OpenApiTypes.STR, enum=Event.Status.values),
    OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM"),
]


def _filters(request: SignedInApiRequest) -> dict[str, Any]:
    from centre.statistics.months import parse_month

    kind = str(request.query_params.get("kind", "")).strip()
    state = str(request.query_params.get("status", "")).strip()
    month_text = str(request.query_params.get("month", "")).strip()
    if kind and kind not in EventKind.values:
        raise exceptions.ValidationError({"kind": ["unknown kind"]})
    if state and state not in Event.Status.values:
        raise exceptions.ValidationError({"status": ["unknown status"]})
    month = None
    if month_text:
        try:
            month = parse_month(month_text[:20])
        except ValueError as error:
            raise exceptions.ValidationError({"month": ["a month, YYYY-MM"]}) from error
    return {"kind": kind, "status": state, "month": month}


class EventListApi(APIView):
    """The events the user sees (their site tree), the latest first, filtered by kind, status
    and month; POST plans one (a coordinator or supervisor)."""

    permission_classes = [ActionPermission]
    permission_model = Event

    class Pagination(CursorPagination):
        ordering = ("-starts_at", "-id")

    @extend_schema(parameters=FILTERS, responses=EventSerializer(many=True))
    def get(self, request: SignedInApiRequest) -> Response:
        events = selectors.event_list(user=request.user, **_filters(request)).prefetch_related(
            "facilitators"
        )
        return paginated(self, request, events, EventSerializer, action="outreach.event.listed")

    @extend_schema(request=EventInputSerializer, responses={201: EventSerializer})
    def post(self, request: SignedInApiRequest) -> Response:
        data = EventInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.setdefault("venue_type", "")
        values["facilitators"] = list(values.get("facilitators", []))
        event = services.event_create(actor=request.user, **values)
        return Response(EventSerializer(event).data, status=status.HTTP_201_CREATED)


class EventDetailApi(APIView):
    permission_classes = [ActionPermission]
    permission_model = Event

    @extend_schema(responses=EventSerializer)
    def get(self, request: SignedInApiRequest, event_id: int) -> Response:
        from centre.audit import audit_read

        event = selectors.get_event_for_user(user=request.user, event_id=event_id)
        audit_read(request, "outreach.event.viewed", event)
        return Response(EventSerializer(event).data)

    @extend_schema(request=EventChangeSerializer, responses=EventSerializer)
    def patch(self, request: SignedInApiRequest, event_id: int) -> Response:
        event = selectors.get_event_for_user(user=request.user, event_id=event_id)
        data = EventChangeSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        values = dict(some_change(data.validated_data))
        version = values.pop("version")
        if "facilitators" in values:
            values["facilitators"] = list(values["facilitators"])
        services.event_update(actor=request.user, event=event, expected_version=version, **values)
        event = selectors.get_event_for_user(user=request.user, event_id=event_id)
        return Response(EventSerializer(event).data)


class EventAttendanceApi(APIView):
    """Set an event's attendance counts (those given; the others stay), at the version read."""

    permission_classes = [ActionPermission]
    permission_model = Event
    permission_actions = {"POST": "change"}

    @extend_schema(request=AttendanceSerializer, responses=EventSerializer)
    def post(self, request: SignedInApiRequest, event_id: int) -> Response:
        event = selectors.get_event_for_user(user=request.user, event_id=event_id)
        data = AttendanceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(some_change(data.validated_data))
        version = values.pop("version")
        services.event_record_attendance(
            actor=request.user, event=event, expected_version=version, **values
        )
        event = selectors.get_event_for_user(user=request.user, event_id=event_id)
        return Response(EventSerializer(event).data)
