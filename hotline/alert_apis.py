"""The crisis alerts API (hot2): list, detail, acknowledge. Reads audited; 404 for an alert
the user may not see."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from centre.api import ActionPermission, CursorPagination, paginated
from centre.audit import audit_read
from hotline import selectors, services
from hotline.models import AlertEvent, CrisisAlert


class AlertEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AlertEvent
        fields = ["at", "actor", "kind", "note"]


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
