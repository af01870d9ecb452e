from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from centre.navigation import Workspace


class OutreachConfig(AppConfig):
    name = "outreach"
    verbose_name = _("Outreach")

    workspace = Workspace(view="outreach.views.WorkspaceView", url_name="outreach:home", order=40)
