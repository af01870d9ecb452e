from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CounsellingConfig(AppConfig):
    name = "counselling"
    verbose_name = _("Counselling")

    def ready(self) -> None:
        from centre.navigation import register_workspace
        from counselling.views import WorkspaceView

        register_workspace(WorkspaceView, "counselling:home", order=10)
