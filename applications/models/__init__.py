"""Applicant organisations, applications and their sections, attachments."""

from .application import (
    Activity,
    Application,
    ApplicationEvent,
    ApplicationVersion,
    Initiative,
    Quadrant,
    RegionalityAspect,
    RevisionRequest,
)
from .attachments import Attachment
from .organisations import Invitation, Membership, Organisation
from .sections import (
    LONG_TEXT,
    SECTION_KEYS,
    SECTION_MODELS,
    SECTIONS_BY_KEY,
    SHORT_TEXT,
    BasicInfoSection,
    CommitmentSection,
    DirectionSection,
    DiversitySection,
    InnovationSection,
    Kpi,
    OtherSection,
    Participant,
    RegionalitySection,
    RoadmapItem,
    Section,
)

__all__ = [
    "Activity", "Application", "ApplicationEvent", "ApplicationVersion", "Attachment",
    "BasicInfoSection", "CommitmentSection", "DirectionSection", "DiversitySection",
    "InnovationSection", "Initiative", "Invitation", "Kpi", "LONG_TEXT", "Membership",
    "Organisation", "OtherSection", "Participant", "Quadrant", "RegionalityAspect", "RegionalitySection",
    "RevisionRequest", "RoadmapItem", "SECTION_KEYS", "SECTION_MODELS", "SECTIONS_BY_KEY",
    "SHORT_TEXT", "Section",
]
