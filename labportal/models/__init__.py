"""labportal's models: the user, the shared register, and (issue 3) the mail outbox and the clock."""

from .accounts import Role, User, UserManager
from .clock import ClockEvent, ClockLock
from .outbox import OutboxMail
from .public import Notice, PublicPage, RoundGuide
from .security import LoginLock, SecurityEvent
from .state import StateChange
from .register import (
    Bureau,
    Lab,
    Prefecture,
    Programme,
    Region,
    RegionMember,
    SelectionRound,
    validate_local_government_code,
)

__all__ = [
    "Bureau", "Lab", "Prefecture", "Programme", "Region", "RegionMember", "Role", "SelectionRound", "User",
    "UserManager", "validate_local_government_code",
    "ClockEvent", "ClockLock", "OutboxMail", "LoginLock", "SecurityEvent", "StateChange",
    "Notice", "PublicPage", "RoundGuide",
]
