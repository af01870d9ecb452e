from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class MeApi(APIView):
    """The signed-in user: name, roles and place in the network."""

    class OutputSerializer(serializers.Serializer):
        username = serializers.CharField()
        display_name = serializers.CharField()
        roles = serializers.ListField(child=serializers.CharField())
        site_code = serializers.CharField(allow_null=True)
        school_code = serializers.CharField(allow_null=True)

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request) -> Response:
        user = request.user
        data = {
            "username": user.get_username(),
            "display_name": user.get_full_name() or user.get_username(),
            "roles": [role.value for role in user.roles()],
            "site_code": user.site.code if user.site_id else None,
            "school_code": user.school.code if user.school_id else None,
        }
        return Response(self.OutputSerializer(data).data)
