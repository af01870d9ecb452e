"""The hotline's API: calls (hot1), crisis alerts with acknowledge (hot2), callbacks and their
outcome (hot3), with the same selectors and services as the pages. Reads audited; 404 for a
record the user may not see."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from centre import field_rules
from centre.api import ActionPermission, CursorPagination, paginated
from centre.audit import audit_read
from centre.http import SignedInApiRequest
from centre.paging import keyset_page
from hotline import selectors, services
from hotline.models import AlertEvent, Call, Callback, CallIssue, CrisisAlert
from hotline.services.callbacks import MAX_NOTE, OUTCOMES
from screening.scoring import CSSRS_QUESTIONS

# Calls


class CallIssueSerializer(serializers.ModelSerializer):
    class Meta:
        model = CallIssue
        fields = ["position", "category", "subcategory"]


@extend_schema_serializer(component_name="HotlineCall")
class CallSerializer(serializers.ModelSerializer):
    issues = CallIssueSerializer(many=True, read_only=True)

    class Meta:
        model = Call
        fields = [
            "id",
            "site",
            "operator",
            "started_at",
            "ended_at",
            "status",
            "channel",
            "contact_type",
            "caller_role",
            "age_band",
            "sex",
            "region",
            "summary",
            "actions",
            "referrals",
            "callback_wanted",
            "callback_consent",
            "duration_seconds",
            "cssrs_answers",
            "risk",
            "crisis",
            "case",
            "supervisor_reviewed",
            "version",
            "issues",
        ]
        read_only_fields = fields


@extend_schema_serializer(component_name="HotlineCallListItem")
class CallListSerializer(serializers.ModelSerializer):
    """A row of the list: no summary and no caller details (a call is read one at a time)."""

    class Meta:
        model = Call
        fields = [
            "id",
            "site",
            "started_at",
            "status",
            "channel",
            "contact_type",
            "risk",
            "crisis",
            "duration_seconds",
        ]
        read_only_fields = fields


class IssueInput(serializers.Serializer):
    category = serializers.CharField(max_length=40)
    subcategory = serializers.CharField(max_length=60)


@extend_schema_serializer(component_name="HotlineCallInput")
class CallInputSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Call.Channel.choices, default=Call.Channel.PHONE)
    contact_type = serializers.ChoiceField(choices=Call.ContactType.choices)
    caller_role = serializers.ChoiceField(
        choices=Call.CallerRole.choices, required=False, allow_blank=True
    )
    age_band = serializers.ChoiceField(
        choices=Call.AgeBand.choices, required=False, allow_blank=True
    )
    sex = serializers.ChoiceField(choices=Call.Sex.choices, required=False, allow_blank=True)
    region = serializers.CharField(max_length=50, required=False, allow_blank=True)
    summary = serializers.CharField(
        max_length=field_rules.CALL_SUMMARY_MAX, required=False, allow_blank=True
    )
    actions = serializers.ListField(
        child=serializers.ChoiceField(choices=Call.Action.choices), required=False
    )
    referrals = serializers.ListField(
        child=serializers.ChoiceField(choices=Call.Referral.choices), required=False
    )
    issues = IssueInput(many=True, required=False)
    cssrs_answers = serializers.DictField(
        child=serializers.BooleanField(allow_null=True), required=False
    )
    crisis = serializers.BooleanField(default=False)
    callback_wanted = serializers.BooleanField(default=False)
    callback_consent = serializers.BooleanField(default=False)
    caller_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    caller_phone = serializers.CharField(max_length=32, required=False, allow_blank=True)

    def validate_cssrs_answers(self, value: dict) -> dict:
        unknown = set(value) - set(CSSRS_QUESTIONS)
        if unknown:
            raise serializers.ValidationError(f"unknown questions: {sorted(unknown)}")
        return value


class CallListApi(APIView):
    """Calls the user may see (an operator's own, a supervisor's site tree, the crisis team's
    behind active alerts); POST logs a whole call at once (an operator), picked up and ended now."""

    permission_classes = [ActionPermission]
    permission_model = Call

    class Pagination(CursorPagination):
        ordering = ("-started_at", "-id")

    @extend_schema(responses=CallListSerializer(many=True))
    def get(self, request: SignedInApiRequest) -> Response:
        calls = selectors.call_list_for(user=request.user)
        return paginated(self, request, calls, CallListSerializer, action="hotline.call.listed")

    @extend_schema(request=CallInputSerializer, responses={201: CallSerializer})
    def post(self, request: SignedInApiRequest) -> Response:
        data = CallInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        issues = [(issue["category"], issue["subcategory"]) for issue in values.pop("issues", [])]
        with transaction.atomic():
            call = services.call_start(actor=request.user, channel=values["channel"])
            call = services.call_save(
                actor=request.user,
                call=call,
                expected_version=call.version,
                issues=issues,
                **values,
            )
        return Response(CallSerializer(call).data, status=status.HTTP_201_CREATED)


class CallDetailApi(APIView):
    permission_classes = [ActionPermission]
    permission_model = Call

    @extend_schema(responses=CallSerializer)
    def get(self, request: SignedInApiRequest, call_id: int) -> Response:
        call = selectors.get_call_for_user(user=request.user, call_id=call_id)
        audit_read(request, "hotline.call.viewed", call)
        return Response(CallSerializer(call).data)


# Alerts


class AlertEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AlertEvent
        fields = ["at", "actor", "kind", "step", "note"]


class AlertSerializer(serializers.ModelSerializer):
    site = serializers.CharField(source="site.code")

    class Meta:
        model = CrisisAlert
        fields = [
            "id",
            "site",
            "call",
            "status",
            "raised_at",
            "raised_by",
            "assignee",
            "acknowledge_by",
            "acknowledged_by",
            "acknowledged_at",
            "closed_at",
            "version",
        ]


class AlertDetailSerializer(AlertSerializer):
    events = AlertEventSerializer(many=True)

    class Meta(AlertSerializer.Meta):
        fields = [*AlertSerializer.Meta.fields, "events"]


class AlertListApi(APIView):
    """The open alerts the user sees, oldest first."""

    permission_classes = [ActionPermission]
    permission_model = CrisisAlert

    class Pagination(CursorPagination):
        ordering = ("raised_at", "id")

    @extend_schema(responses=AlertSerializer(many=True))
    def get(self, request, *args, **kwargs) -> Response:
        alerts = selectors.open_alerts_for(user=request.user)
        return paginated(self, request, alerts, AlertSerializer, action="hotline.alert.listed")


class AlertDetailApi(APIView):
    permission_classes = [ActionPermission]
    permission_model = CrisisAlert

    @extend_schema(responses=AlertDetailSerializer)
    def get(self, request, alert_id: int) -> Response:
        alert = selectors.get_alert_for_user(user=request.user, alert_id=alert_id)
        audit_read(request, "hotline.alert.viewed", alert)
        return Response(AlertDetailSerializer(alert).data)


class AlertAcknowledgeApi(APIView):
    permission_classes = [ActionPermission]
    permission_model = CrisisAlert
    permission_actions = {"POST": "change"}

    class InputSerializer(serializers.Serializer):
        version = serializers.IntegerField(min_value=1, max_value=2**31 - 1)

    @extend_schema(request=InputSerializer, responses=AlertDetailSerializer)
    def post(self, request, alert_id: int) -> Response:
        alert = selectors.get_alert_for_user(user=request.user, alert_id=alert_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.acknowledge(
                actor=request.user, alert=alert, expected_version=data.validated_data["version"]
            )
        except DjangoValidationError as error:
            raise exceptions.ValidationError({"detail": error.messages}) from error
        return Response(AlertDetailSerializer(alert).data)


# Callbacks


class CallbackSerializer(serializers.ModelSerializer):
    site = serializers.CharField(source="site.code")

    class Meta:
        model = Callback
        fields = [
            "id",
            "call",
            "site",
            "owner",
            "due_at",
            "status",
            "outcome_note",
            "done_at",
            "done_by",
            "version",
        ]


class CallbackPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = CallbackSerializer(many=True)


class CallbackListApi(APIView):
    """The open callbacks the user sees: theirs first, then the site's; overdue first."""

    permission_classes = [ActionPermission]
    permission_model = Callback

    @extend_schema(
        parameters=[
            OpenApiParameter("older", str, description="The next page's position (`next`)."),
            OpenApiParameter("newer", str, description="The page above's position (`previous`)."),
        ],
        responses=CallbackPageSerializer,
    )
    def get(self, request: SignedInApiRequest, *args: Any, **kwargs: Any) -> Response:
        # Keyset pages on the page's own order (mine first, the earliest due first), which a
        # DRF cursor on one field could not keep.
        page = keyset_page(
            selectors.due_callbacks_for(user=request.user),
            request.query_params,
            order=selectors.CALLBACK_ORDER,
            ascending=True,
        )
        audit_read(request, "hotline.callback.listed", page.object_list)
        url = request.build_absolute_uri()
        return Response(
            {
                "next": replace_query_param(remove_query_param(url, "newer"), "older", page.older)
                if page.older
                else None,
                "previous": replace_query_param(
                    remove_query_param(url, "older"), "newer", page.newer
                )
                if page.newer
                else None,
                "results": CallbackSerializer(page.object_list, many=True).data,
            }
        )


class CallbackOutcomeApi(APIView):
    permission_classes = [ActionPermission]
    permission_model = Callback
    permission_actions = {"POST": "change"}

    class CallbackOutcomeInputSerializer(serializers.Serializer):
        version = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
        status = serializers.ChoiceField(choices=[str(o) for o in OUTCOMES])
        note = serializers.CharField(
            max_length=MAX_NOTE, required=False, allow_blank=True, trim_whitespace=True
        )

    @extend_schema(request=CallbackOutcomeInputSerializer, responses=CallbackSerializer)
    def post(self, request, callback_id: int) -> Response:
        callback = selectors.get_callback_for_user(user=request.user, callback_id=callback_id)
        data = self.CallbackOutcomeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.record_outcome(
                actor=request.user,
                callback=callback,
                status=data.validated_data["status"],
                note=data.validated_data.get("note", ""),
                expected_version=data.validated_data["version"],
            )
        except DjangoPermissionDenied as error:
            raise exceptions.PermissionDenied from error
        except DjangoValidationError as error:
            raise exceptions.ValidationError({"detail": error.messages}) from error
        return Response(CallbackSerializer(callback).data)
