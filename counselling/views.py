from django.utils.translation import gettext_lazy as _

from centre import views as centre_views
from centre.roles import Role


class WorkspaceView(centre_views.WorkspaceView):
    roles = frozenset({Role.COUNSELLOR, Role.SUPERVISOR})
    title = _("Caseload")
    description = _(
        "Case files of the minors you counsel: intake, guardians and consent, sessions, risk "
        "level, safety plans, referrals along the green channel and follow-up."
    )
