from django.utils.translation import gettext_lazy as _

from centre import views as centre_views
from centre.roles import Role


class WorkspaceView(centre_views.WorkspaceView):
    roles = frozenset({Role.SCHOOL_LIAISON, Role.COUNSELLOR, Role.SUPERVISOR})
    title = _("Screening")
    description = _(
        "School screening campaigns: roster uploads, results banded by published cut-offs, and "
        "the graded intervention of students who screen positive."
    )
