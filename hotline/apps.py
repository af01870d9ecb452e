from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotlineConfig(AppConfig):
    name = "hotline"
    verbose_name = _("Hotline")

    def ready(self) -> None:
        from centre.navigation import register_workspace
        from hotline.views import WorkspaceView

        register_workspace(WorkspaceView, "hotline:home", order=30)
