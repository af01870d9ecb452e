from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    name = "outreach"
    verbose_name = _("Outreach")

    def ready(self) -> None:
        from centre.navigation import register_workspace
        from outreach.views import WorkspaceView

        register_workspace(WorkspaceView, "outreach:home", order=40)
