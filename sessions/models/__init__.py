"""Models of the sessions app (label `therapy_sessions`), one module per area."""

from sessions.models.calendar import *  # noqa: F403
from sessions.models.homework import *  # noqa: F403
from sessions.models.measurements import *  # noqa: F403
from sessions.models.practice import *  # noqa: F403
from sessions.models.reminders import *  # noqa: F403
from sessions.models.therapy import *  # noqa: F403
