"""The review app's models: criteria as data, round settings, reviews and scores, conflicts of
interest, hearings and decisions."""

from .criteria import SETTINGS_VERSION_FIELDS, CriteriaSet, Criterion, RoundReviewSettings, RoundReviewSettingsVersion
from .decisions import Decision, Hearing
from .reviews import AssignedReview, ConflictOfInterest, Review, ReviewExclusion, Score

__all__ = [
    "AssignedReview", "ConflictOfInterest", "CriteriaSet", "Criterion", "Decision", "Hearing",
    "Review", "ReviewExclusion", "RoundReviewSettings", "RoundReviewSettingsVersion", "SETTINGS_VERSION_FIELDS",
    "Score",
]
