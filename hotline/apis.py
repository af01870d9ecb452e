"""The hotline's API: calls, with the same selectors and services as the pages."""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from centre import field_rules
from centre.api import ActionPermission, CursorPagination, paginated
from centre.audit import audit_read
from centre.http import SignedInApiRequest
from hotline import selectors, services
from hotline.models import Call, CallIssue
from screening.scoring import CSSRS_QUESTIONS

# --- calls (hot1) ---


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
        calls = selectors.call_visible_to(user=request.user)
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


# --- end calls (hot1) ---
