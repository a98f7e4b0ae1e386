"""The review app's models: criteria as data, round settings, reviews and scores, conflicts of
interest, hearings and decisions."""

from .criteria import CriteriaSet, Criterion, RoundReviewSettings
from .decisions import Decision, Hearing
from .reviews import AssignedReview, ConflictOfInterest, Review, Score

__all__ = [
    "AssignedReview", "ConflictOfInterest", "CriteriaSet", "Criterion", "Decision", "Hearing",
    "Review", "RoundReviewSettings", "Score",
]
