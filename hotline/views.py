from django.utils.translation import gettext_lazy as _

from centre import views as centre_views
from centre.roles import Role


class WorkspaceView(centre_views.WorkspaceView):
    roles = frozenset({Role.HOTLINE_OPERATOR, Role.CRISIS_TEAM, Role.SUPERVISOR})
    title = _("Hotline")
    description = _(
        "The 24-hour hotline: call logs, suicide-risk triage and crisis alerts that the crisis "
        "team acknowledges."
    )
