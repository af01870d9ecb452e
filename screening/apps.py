from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

SCREENING_WORK = [
    "screening.view_campaign",
    "screening.add_campaign",
    "screening.add_rosterimport",
    "screening.view_trackingtask",
]


class ScreeningConfig(AppConfig):
    name = "screening"
    verbose_name = _("Screening")
    # Which campaigns and results a user sees is decided by screening.selectors.
    role_permissions = {
        "school_liaison": SCREENING_WORK,
        "counsellor": [*SCREENING_WORK, "screening.view_screeningresult"],
        "supervisor": [*SCREENING_WORK, "screening.view_screeningresult"],
        "crisis_team": ["screening.view_trackingtask"],
    }

    def ready(self) -> None:
        from centre import statistics
        from screening import statistics as figures

        statistics.register("screening", figures)
        from centre.navigation import NavigationItem, register, register_workspace
        from centre.roles import Role
        from screening import services  # noqa: F401  (registers the reminder template)
        from screening.views import WorkspaceView

        register_workspace(WorkspaceView, "screening:home", order=20)
        register(
            NavigationItem(
                _("Tracking board"),
                "screening:board",
                frozenset(
                    {Role.SCHOOL_LIAISON, Role.COUNSELLOR, Role.SUPERVISOR, Role.CRISIS_TEAM}
                ),
                order=21,
            )
        )
