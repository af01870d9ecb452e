"""The counselling REST API, /api/v1/counselling/: the same rules as the pages, through the same
selectors and services. A record the user may not see answers 404; reading a case file or a
session note is audited; a stale `version` answers 409."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from centre import field_rules
from centre.api import ActionPermission, CursorPagination, choice_param, paginated, some_change
from centre.audit import audit_read
from centre.errors import RecordT
from centre.http import SignedInApiRequest
from centre.models import School
from centre.parameters import id_parameter
from centre.versioning import StaleEditError
from counselling import selectors, services
from counselling.models import (
    Appointment,
    Case,
    Client,
    Consent,
    CounsellingSession,
    Guardian,
    Referral,
    RiskLevel,
)

CRISIS_REASON_HELP = (
    "Needed once the consent to counselling is withdrawn: the crisis exception (PIPL Art. "
    "13(4)), a sentence of 10 characters or more, kept in the audit log."
)


def display_name(user) -> str:
    return user.get_full_name() or user.get_username()


def of_case_asked(request: Request, records: QuerySet[RecordT]) -> QuerySet[RecordT]:
    """`records` (already scoped to the user by a selector) of the case `?case=` names, if any."""
    case_id = id_parameter(request.query_params, "case")
    return records if case_id is None else records.filter(case_id=case_id)


def case_and_input(view: APIView, request: SignedInApiRequest) -> tuple[Case, dict]:
    """The validated input of a POST about a case, and that case (404 if not visible, 403 if
    not changeable)."""
    data = view.InputSerializer(data=request.data)  # type: ignore[attr-defined]  # the view's
    data.is_valid(raise_exception=True)
    values = dict(data.validated_data)
    case = selectors.get_case_for_user(
        user=request.user, case_id=values.pop("case"), for_write=True
    )
    return case, values


class ClientOutputSerializer(serializers.ModelSerializer):
    school = serializers.CharField(source="school.name", default=None)
    age = serializers.IntegerField()

    class Meta:
        model = Client
        fields = ["id", "full_name", "sex", "date_of_birth", "age", "school", "grade", "class_name"]


class CaseOutputSerializer(serializers.ModelSerializer):
    client = ClientOutputSerializer()
    site = serializers.CharField(source="site.code")
    counsellor = serializers.SerializerMethodField()
    needs_safety_plan = serializers.BooleanField()
    last_session_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "client",
            "site",
            "status",
            "source",
            "risk_level",
            "counsellor",
            "opened_at",
            "closed_at",
            "needs_safety_plan",
            "last_session_at",
            "version",
        ]

    def get_counsellor(self, case: Case) -> str:
        return display_name(case.counsellor)


class CaseListApi(APIView):
    """Cases the user may see, what needs attention first (highest risk, then the newest)."""

    permission_classes = [ActionPermission]
    permission_model = Case

    class Pagination(CursorPagination):
        ordering = ("-risk_rank", "-attention", "-id")

    @extend_schema_serializer(component_name="CaseOpenInput")
    class InputSerializer(serializers.Serializer):
        client = serializers.IntegerField()
        source = serializers.ChoiceField(choices=Case.Source.choices)  # type: ignore[assignment]
        presenting_concerns = serializers.CharField()
        risk_level = serializers.ChoiceField(choices=RiskLevel.choices, default=RiskLevel.NONE)

    @extend_schema(
        parameters=[
            OpenApiParameter("status", enum=Case.Status.values),
            OpenApiParameter("risk_level", enum=RiskLevel.values),
        ],
        responses=CaseOutputSerializer(many=True),
    )
    def get(self, request: SignedInApiRequest) -> Response:
        cases = selectors.case_list(
            user=request.user,
            status=choice_param(request, "status", Case.Status.values),
            risk_level=choice_param(request, "risk_level", RiskLevel.values),
        )
        return paginated(
            self, request, cases, CaseOutputSerializer, action="counselling.case.listed"
        )

    @extend_schema(request=InputSerializer, responses={201: CaseOutputSerializer})
    def post(self, request: SignedInApiRequest) -> Response:
        """Open a case, with the requester as its counsellor, for a client of theirs: 403 for a
        child whose file they only read (a read-only share)."""
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        try:
            client = selectors.get_client_for_opening(
                user=request.user, client_id=values.pop("client")
            )
        except Http404 as missing:
            raise exceptions.ValidationError({"client": [_("No such client.")]}) from missing
        case = services.case_open(
            actor=request.user,
            client=client,
            site=request.user.site,
            counsellor=request.user,
            **values,
        )
        case = selectors.case_list(user=request.user).get(pk=case.pk)
        return Response(CaseOutputSerializer(case).data, status=status.HTTP_201_CREATED)


class RiskChangeSerializer(serializers.Serializer):
    level_from = serializers.CharField()
    level_to = serializers.CharField()
    changed_at = serializers.DateTimeField()
    reason = serializers.CharField()


class GuardianSerializer(serializers.ModelSerializer):
    class Meta:
        model = Guardian
        fields = ["id", "relationship", "full_name", "phone"]


class ConsentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Consent
        fields = ["id", "purpose", "given_by", "guardian", "version", "given_at", "withdrawn_at"]


class CaseDetailSerializer(CaseOutputSerializer):
    risk_history = RiskChangeSerializer(source="risk_changes", many=True)
    guardians = GuardianSerializer(source="client.guardians", many=True)
    consents = ConsentSerializer(source="client.consents", many=True)

    class Meta(CaseOutputSerializer.Meta):
        fields = [
            *CaseOutputSerializer.Meta.fields,
            "presenting_concerns",
            "risk_history",
            "guardians",
            "consents",
        ]


class CaseDetailApi(APIView):
    """One case file. Reading it is audited; a change names the `version` it read."""

    permission_classes = [ActionPermission]
    permission_model = Case

    @extend_schema_serializer(component_name="CaseChangeInput")
    class InputSerializer(serializers.Serializer):
        version = serializers.IntegerField(min_value=1)
        presenting_concerns = serializers.CharField(required=False)
        risk_level = serializers.ChoiceField(choices=RiskLevel.choices, required=False)
        reason = serializers.CharField(required=False)
        status = serializers.ChoiceField(choices=Case.Status.choices, required=False)

    def _case(self, request: SignedInApiRequest, case_id: int, *, for_write: bool = False) -> Case:
        """The case as `get_case_for_user` answers it (404, or 403 `for_write`), in one query
        with the list's annotations, then the prefetches."""
        case = (
            selectors.case_list(user=request.user)
            .prefetch_related("risk_changes", "client__guardians", "client__consents")
            .filter(pk=case_id)
            .first()
        )
        if case is None:
            raise Http404
        if for_write and not selectors.user_may_change_case(user=request.user, case=case):
            raise exceptions.PermissionDenied
        return case

    @extend_schema(responses=CaseDetailSerializer)
    def get(self, request: SignedInApiRequest, case_id: int) -> Response:
        case = self._case(request, case_id)
        services.case_record_read(actor=request.user, case=case, request=request)
        return Response(CaseDetailSerializer(case).data)

    @extend_schema(request=InputSerializer, responses=CaseDetailSerializer)
    def patch(self, request: SignedInApiRequest, case_id: int) -> Response:
        case = self._case(request, case_id, for_write=True)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = some_change(data.validated_data, besides=frozenset({"version", "reason"}))
        with transaction.atomic():  # all the changes asked for, or none
            self._change(request, case, values)
        return Response(CaseDetailSerializer(self._case(request, case_id)).data)

    @staticmethod
    def _change(request: SignedInApiRequest, case: Case, values: dict) -> None:
        version = values["version"]
        if "presenting_concerns" in values:
            services.case_update(
                actor=request.user,
                case=case,
                expected_version=version,
                presenting_concerns=values["presenting_concerns"],
            )
            version = case.version
        if "risk_level" in values:
            services.case_change_risk(
                actor=request.user,
                case=case,
                level=values["risk_level"],
                reason=values.get("reason", ""),
                expected_version=version,
            )
            version = case.version
        if "status" in values and values["status"] != case.status:
            services.case_change_status(
                actor=request.user, case=case, status=values["status"], expected_version=version
            )
        elif version != case.version:  # only an unchanged status: still refuse a stale read
            raise StaleEditError


class ClientListApi(APIView):
    """Clients with a case the user sees; POST registers a child (409 if already registered)."""

    permission_classes = [ActionPermission]
    permission_model = Client

    @extend_schema_serializer(component_name="ClientRegisterInput")
    class InputSerializer(serializers.Serializer):
        full_name = serializers.CharField(max_length=100)
        sex = serializers.ChoiceField(choices=Client.Sex.choices)
        date_of_birth = serializers.DateField(validators=[field_rules.validate_birth_date])
        school = serializers.PrimaryKeyRelatedField(
            queryset=School.objects.all(),  # access: any school may be named as the child's
            required=False,
            allow_null=True,
        )
        grade = serializers.CharField(max_length=20, required=False, default="")
        class_name = serializers.CharField(max_length=20, required=False, default="")
        phone = serializers.CharField(max_length=32, required=False, default="")

    @extend_schema(responses=ClientOutputSerializer(many=True))
    def get(self, request: SignedInApiRequest) -> Response:
        clients = selectors.client_visible_to(user=request.user)
        return paginated(
            self, request, clients, ClientOutputSerializer, action="counselling.client.listed"
        )

    @extend_schema(request=InputSerializer, responses={201: ClientOutputSerializer})
    def post(self, request: SignedInApiRequest) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            client = services.client_register(
                actor=request.user, site=request.user.site, **data.validated_data
            )
        except services.DuplicateClientError as duplicate:
            # Answered by the exception handler; the existing child's id only if visible.
            if selectors.client_visible_to(user=request.user).filter(pk=duplicate.existing.pk):
                duplicate.extra["client"] = duplicate.existing.pk
            raise
        return Response(ClientOutputSerializer(client).data, status=status.HTTP_201_CREATED)


class ClientDetailApi(APIView):
    permission_classes = [ActionPermission]
    permission_model = Client

    @extend_schema(responses=ClientOutputSerializer)
    def get(self, request: SignedInApiRequest, client_id: int) -> Response:
        client = selectors.get_client_for_user(user=request.user, client_id=client_id)
        audit_read(request, "counselling.client.viewed", client)
        return Response(ClientOutputSerializer(client).data)


class SessionOutputSerializer(serializers.ModelSerializer):
    counsellor = serializers.SerializerMethodField()

    class Meta:
        model = CounsellingSession
        fields = [
            "id",
            "case",
            "counsellor",
            "held_at",
            "duration_minutes",
            "modality",
            "kind",
            "attendance",
            "risk_assessed",
            "version",
        ]

    def get_counsellor(self, session: CounsellingSession) -> str:
        return display_name(session.counsellor)


class SessionNoteSerializer(SessionOutputSerializer):
    class Meta(SessionOutputSerializer.Meta):
        fields = [
            *SessionOutputSerializer.Meta.fields,
            "note_presenting",
            "note_intervention",
            "note_plan",
        ]


class SessionListApi(APIView):
    """Sessions of visible cases (without their notes: a note is read one at a time, audited)."""

    permission_classes = [ActionPermission]
    permission_model = CounsellingSession

    class Pagination(CursorPagination):
        ordering = ("-held_at", "-id")

    @extend_schema_serializer(component_name="SessionLogInput")
    class InputSerializer(serializers.ModelSerializer):
        case = serializers.IntegerField()
        crisis_reason = serializers.CharField(
            required=False,
            allow_blank=True,
            help_text=CRISIS_REASON_HELP,
        )

        class Meta:
            model = CounsellingSession
            fields = [
                "case",
                "held_at",
                "duration_minutes",
                "modality",
                "kind",
                "attendance",
                "note_presenting",
                "note_intervention",
                "note_plan",
                "risk_assessed",
                "crisis_reason",
            ]

    @extend_schema(
        parameters=[OpenApiParameter("case", int)],
        responses=SessionOutputSerializer(many=True),
    )
    def get(self, request: SignedInApiRequest) -> Response:
        sessions = selectors.session_list_visible_to(user=request.user)
        return paginated(
            self,
            request,
            of_case_asked(request, sessions),
            SessionOutputSerializer,
            action="counselling.session.listed",
        )

    @extend_schema(request=InputSerializer, responses={201: SessionNoteSerializer})
    def post(self, request: SignedInApiRequest) -> Response:
        case, values = case_and_input(self, request)
        session = services.session_log(actor=request.user, case=case, **values)
        return Response(SessionNoteSerializer(session).data, status=status.HTTP_201_CREATED)


class SessionDetailApi(APIView):
    permission_classes = [ActionPermission]
    permission_model = CounsellingSession

    @extend_schema_serializer(component_name="SessionChangeInput")
    class InputSerializer(serializers.Serializer):
        version = serializers.IntegerField(min_value=1)
        attendance = serializers.ChoiceField(
            choices=CounsellingSession.Attendance.choices, required=False
        )
        duration_minutes = serializers.IntegerField(
            min_value=0, max_value=field_rules.SESSION_MINUTES_MAX, required=False
        )
        note_presenting = serializers.CharField(required=False, allow_blank=True)
        note_intervention = serializers.CharField(required=False, allow_blank=True)
        note_plan = serializers.CharField(required=False, allow_blank=True)

    @extend_schema(responses=SessionNoteSerializer)
    def get(self, request: SignedInApiRequest, session_id: int) -> Response:
        session = selectors.get_session_for_user(user=request.user, session_id=session_id)
        services.case_record_read(
            actor=request.user, case=session.case, request=request, what="session", record=session
        )
        return Response(SessionNoteSerializer(session).data)

    @extend_schema(request=InputSerializer, responses=SessionNoteSerializer)
    def patch(self, request: SignedInApiRequest, session_id: int) -> Response:
        session = selectors.get_session_for_user(user=request.user, session_id=session_id)
        selectors.get_case_for_user(user=request.user, case_id=session.case_id, for_write=True)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(some_change(data.validated_data))
        version = values.pop("version")
        services.session_update(
            actor=request.user, session=session, expected_version=version, **values
        )
        return Response(SessionNoteSerializer(session).data)


class ReferralOutputSerializer(serializers.ModelSerializer):
    is_overdue = serializers.BooleanField()

    class Meta:
        model = Referral
        fields = [
            "id",
            "case",
            "destination",
            "status",
            "reason",
            "due_at",
            "scheduled_for",
            "feedback_to_school",
            "is_overdue",
            "created_at",
            "closed_at",
        ]


class ReferralListApi(APIView):
    """Referrals of visible cases along the green channel; POST creates one."""

    permission_classes = [ActionPermission]
    permission_model = Referral

    class Pagination(CursorPagination):
        ordering = ("-created_at", "-id")

    @extend_schema_serializer(component_name="ReferralCreateInput")
    class InputSerializer(serializers.Serializer):
        case = serializers.IntegerField()
        destination = serializers.ChoiceField(choices=Referral.Destination.choices)
        reason = serializers.CharField()
        crisis_reason = serializers.CharField(
            required=False, allow_blank=True, help_text=CRISIS_REASON_HELP
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("case", int),
            OpenApiParameter("status", enum=Referral.Status.values),
        ],
        responses=ReferralOutputSerializer(many=True),
    )
    def get(self, request: SignedInApiRequest) -> Response:
        referrals = of_case_asked(request, selectors.referral_visible_to(user=request.user))
        wanted = choice_param(request, "status", Referral.Status.values)
        if wanted:
            referrals = referrals.filter(status=wanted)
        return paginated(
            self, request, referrals, ReferralOutputSerializer, action="counselling.referral.listed"
        )

    @extend_schema(request=InputSerializer, responses={201: ReferralOutputSerializer})
    def post(self, request: SignedInApiRequest) -> Response:
        case, values = case_and_input(self, request)
        referral = services.referral_create(actor=request.user, case=case, **values)
        return Response(ReferralOutputSerializer(referral).data, status=status.HTTP_201_CREATED)


class ReferralAdvanceApi(APIView):
    """Move a referral to its next state (created → accepted → scheduled → attended | no-show →
    feedback → closed). Feedback to a school carries no diagnosis."""

    permission_classes = [ActionPermission]
    permission_model = Referral
    permission_actions = {"POST": "change"}

    @extend_schema_serializer(component_name="ReferralAdvanceInput")
    class InputSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=Referral.Status.choices)
        scheduled_for = serializers.DateTimeField(
            required=False, allow_null=True, validators=[field_rules.validate_planned]
        )
        feedback_to_school = serializers.CharField(required=False, allow_blank=True)

    @extend_schema(request=InputSerializer, responses=ReferralOutputSerializer)
    def post(self, request: SignedInApiRequest, referral_id: int) -> Response:
        referral = selectors.referral_visible_to(user=request.user).filter(pk=referral_id).first()
        if referral is None:
            raise Http404
        selectors.get_case_for_user(user=request.user, case_id=referral.case_id, for_write=True)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.referral_advance(actor=request.user, referral=referral, **data.validated_data)
        return Response(ReferralOutputSerializer(referral).data)


class AppointmentOutputSerializer(serializers.ModelSerializer):
    counsellor = serializers.SerializerMethodField()

    class Meta:
        model = Appointment
        fields = [
            "id",
            "case",
            "counsellor",
            "starts_at",
            "duration_minutes",
            "modality",
            "kind",
            "status",
            "session",
            "version",
        ]

    def get_counsellor(self, appointment: Appointment) -> str:
        return display_name(appointment.counsellor)


class AppointmentListApi(APIView):
    """Appointments of visible cases (`?case=`, `?status=`), the next first; POST plans one (in
    the future, never on a closed case), with the guardian's reminder where consented."""

    permission_classes = [ActionPermission]
    permission_model = Appointment

    class Pagination(CursorPagination):
        ordering = ("starts_at", "id")

    @extend_schema_serializer(component_name="AppointmentPlanInput")
    class InputSerializer(serializers.ModelSerializer):
        case = serializers.IntegerField()

        class Meta:
            model = Appointment
            fields = ["case", "starts_at", "duration_minutes", "modality", "kind"]

    @extend_schema(
        parameters=[
            OpenApiParameter("case", int),
            OpenApiParameter("status", str, enum=Appointment.Status.values),
        ],
        responses=AppointmentOutputSerializer(many=True),
    )
    def get(self, request: SignedInApiRequest) -> Response:
        appointments = of_case_asked(
            request,
            selectors.appointment_visible_to(user=request.user).select_related("counsellor"),
        )
        wanted = choice_param(request, "status", Appointment.Status.values)
        if wanted:
            appointments = appointments.filter(status=wanted)
        return paginated(
            self,
            request,
            appointments,
            AppointmentOutputSerializer,
            action="counselling.appointment.listed",
        )

    @extend_schema(request=InputSerializer, responses={201: AppointmentOutputSerializer})
    def post(self, request: SignedInApiRequest) -> Response:
        case, values = case_and_input(self, request)
        appointment = services.appointment_plan(actor=request.user, case=case, **values)
        return Response(
            AppointmentOutputSerializer(appointment).data, status=status.HTTP_201_CREATED
        )


class AppointmentCancelApi(APIView):
    """Cancel a planned appointment (with the `version` read); its reminder is not sent."""

    permission_classes = [ActionPermission]
    permission_model = Appointment
    permission_actions = {"POST": "change"}

    @extend_schema_serializer(component_name="AppointmentCancelInput")
    class InputSerializer(serializers.Serializer):
        version = serializers.IntegerField(min_value=1)

    @extend_schema(request=InputSerializer, responses=AppointmentOutputSerializer)
    def post(self, request: SignedInApiRequest, appointment_id: int) -> Response:
        appointment = selectors.get_appointment_for_user(
            user=request.user, appointment_id=appointment_id
        )
        selectors.get_case_for_user(user=request.user, case_id=appointment.case_id, for_write=True)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.appointment_cancel(
            actor=request.user,
            appointment=appointment,
            expected_version=data.validated_data["version"],
        )
        return Response(AppointmentOutputSerializer(appointment).data)


class AppointmentSessionApi(APIView):
    """Log the session an appointment planned and mark it done, in one step."""

    permission_classes = [ActionPermission]
    permission_model = Appointment
    permission_actions = {"POST": "change"}

    @extend_schema_serializer(component_name="AppointmentSessionInput")
    class InputSerializer(serializers.ModelSerializer):
        version = serializers.IntegerField(min_value=1, help_text="The appointment's version.")
        crisis_reason = serializers.CharField(
            required=False, allow_blank=True, help_text=CRISIS_REASON_HELP
        )

        class Meta:
            model = CounsellingSession
            fields = [
                "version",
                "held_at",
                "duration_minutes",
                "modality",
                "kind",
                "attendance",
                "note_presenting",
                "note_intervention",
                "note_plan",
                "risk_assessed",
                "crisis_reason",
            ]

    @extend_schema(request=InputSerializer, responses={201: SessionNoteSerializer})
    def post(self, request: SignedInApiRequest, appointment_id: int) -> Response:
        appointment = selectors.get_appointment_for_user(
            user=request.user, appointment_id=appointment_id
        )
        case = selectors.get_case_for_user(
            user=request.user, case_id=appointment.case_id, for_write=True
        )
        appointment.case = case
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        version = values.pop("version")
        session = services.appointment_to_session(
            actor=request.user, appointment=appointment, expected_version=version, **values
        )
        return Response(SessionNoteSerializer(session).data, status=status.HTTP_201_CREATED)
