"""The test settings with django-axes on, for the test that signs in through gunicorn."""

from centre.settings.test import *  # noqa: F403

AXES_ENABLED = True
