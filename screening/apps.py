from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScreeningConfig(AppConfig):
    name = "screening"
    verbose_name = _("Screening")

    def ready(self) -> None:
        from centre.navigation import register_workspace
        from screening.views import WorkspaceView

        register_workspace(WorkspaceView, "screening:home", order=20)
