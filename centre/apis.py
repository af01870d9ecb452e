from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from centre.http import SignedInApiRequest


class MeApi(APIView):
    """The signed-in user: name, roles and place in the network."""

    class OutputSerializer(serializers.Serializer[dict[str, Any]]):
        username = serializers.CharField()
        display_name = serializers.CharField()
        roles = serializers.ListField(child=serializers.CharField())
        site_code = serializers.CharField(allow_null=True)
        school_code = serializers.CharField(allow_null=True)

    @extend_schema(responses=OutputSerializer)
    def get(self, request: SignedInApiRequest) -> Response:
        user = request.user
        data = {
            "username": user.get_username(),
            "display_name": user.get_full_name() or user.get_username(),
            "roles": [role.value for role in user.roles()],
            "site_code": user.site.code if user.site else None,
            "school_code": user.school.code if user.school else None,
        }
        return Response(self.OutputSerializer(data).data)
