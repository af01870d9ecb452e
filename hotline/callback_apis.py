"""The callbacks API (hot3): the open callbacks the user sees (mine first, overdue first) and
the outcome of one. Reads audited; 404 for a callback the user may not see."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from centre.api import ActionPermission
from centre.audit import audit_read
from hotline import selectors, services
from hotline.models import Callback
from hotline.services.callbacks import MAX_NOTE, OUTCOMES


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


class CallbackListApi(APIView):
    """The open callbacks the user sees: theirs first, then the site's; overdue first."""

    permission_classes = [ActionPermission]
    permission_model = Callback

    @extend_schema(responses=CallbackSerializer(many=True))
    def get(self, request, *args, **kwargs) -> Response:
        rows = selectors.due_callbacks_for(user=request.user)
        audit_read(request, "hotline.callback.listed", rows)
        return Response({"results": CallbackSerializer(rows, many=True).data})


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
