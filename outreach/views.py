from django.utils.translation import gettext_lazy as _

from centre import views as centre_views
from centre.roles import Role


class WorkspaceView(centre_views.WorkspaceView):
    roles = frozenset({Role.OUTREACH_COORDINATOR, Role.SUPERVISOR})
    title = _("Outreach")
    description = _(
        "School lectures, parent classes, group counselling, trainings and community events, with "
        "their attendance."
    )
