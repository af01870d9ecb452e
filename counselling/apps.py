from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

CLINICAL_WORK = [
    "counselling.view_client",
    "counselling.add_client",
    "counselling.change_client",
    "counselling.view_case",
    "counselling.add_case",
    "counselling.change_case",
    "counselling.view_counsellingsession",
    "counselling.add_counsellingsession",
    "counselling.change_counsellingsession",
    "counselling.view_referral",
    "counselling.add_referral",
    "counselling.change_referral",
    "counselling.view_safetyplan",
    "counselling.add_safetyplan",
]


class CounsellingConfig(AppConfig):
    name = "counselling"
    verbose_name = _("Counselling")
    # Model permissions open pages and actions; which cases a user sees is decided by
    # counselling.selectors.case_visible_to, never by a role alone.
    role_permissions = {
        "counsellor": CLINICAL_WORK,
        "supervisor": [
            *CLINICAL_WORK,
            "counselling.view_caseconference",
            "counselling.add_caseconference",
        ],
        "crisis_team": ["counselling.view_case", "counselling.view_counsellingsession"],
    }

    def ready(self) -> None:
        from centre import statistics
        from counselling import statistics as figures

        statistics.register("counselling", figures)
        from centre.navigation import NavigationItem, register, register_workspace
        from centre.roles import Role
        from counselling import follow_ups  # noqa: F401  (registers the reminder templates)
        from counselling.views import CaseloadView

        register_workspace(CaseloadView, "counselling:caseload", order=10)
        register(
            NavigationItem(
                _("Case conferences"),
                "counselling:conferences",
                frozenset({Role.SUPERVISOR}),
                order=11,
            )
        )
