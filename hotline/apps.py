from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from centre.navigation import Workspace


class HotlineConfig(AppConfig):
    name = "hotline"
    verbose_name = _("Hotline")

    workspace = Workspace(view="hotline.views.WorkspaceView", url_name="hotline:home", order=30)
