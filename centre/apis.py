from __future__ import annotations

from typing import Any, NoReturn

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from centre.errors import NotFoundError
from centre.http import SignedInApiRequest


class SchemaApi(SpectacularAPIView):
    """The API's OpenAPI schema, for signed-in staff only: to anyone else it does not exist
    (404), so the list of what the API holds about minors is not handed to a stranger."""

    permission_classes = [IsAuthenticated]

    def permission_denied(
        self, request: Request, message: str | None = None, code: str | None = None
    ) -> NoReturn:
        raise NotFoundError


class SchemaDocsApi(SpectacularSwaggerSplitView):
    """Swagger UI over the schema, its init script a request of its own (CSP: no inline script).
    Signed-in staff only: centre/urls.py sends anyone else to the sign-in page."""

    permission_classes = [IsAuthenticated]


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
