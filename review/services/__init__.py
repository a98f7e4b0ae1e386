"""Every write of the review app, one module per concern; this package re-exports the public
names, so `from review import services` and `from review.services import X` reach them all.

- errors: the refusals (ReviewError and its kinds), each str() a Japanese sentence for the user;
- transitions: a review's one door for its state (REVIEW_MACHINE) and the round guard;
- criteria: criteria sets and a round's review settings (frozen at the first score, then versions);
- assignment: assigning reviewers and due dates; conflicts of interest and the exclusions they make;
- scoring: validating, saving, submitting, reopening and recusing a review;
- decisions: hearings, decisions, the announcement (round_announce) and closing a round early;
- mail: the review app's mail through the portal's outbox.

Services take keyword arguments, check what they must, and raise a ReviewError subclass whose
str() is a Japanese sentence the admin can show as it is (ScoresInvalid also says which field).
Mail goes through the portal's outbox (labportal.services.notify) with a dedup key, so a
retried request never mails twice. A review's state changes only in `review_transition`;
decisions become visible only through `round_announce`.
"""

from .errors import (
    ReviewError,
    TransitionNotAllowed,
    ReviewLocked,
    CriteriaFrozen,
    ConflictOfInterestError,
    ScoresInvalid,
)
from .transitions import (
    State,
    AppState,
    RoundState,
    Actor,
    REVIEW_TRANSITIONS,
    REVIEW_MACHINE,
    review_transition,
)
from .criteria import (
    criteria_set_ensure_editable,
    criterion_save,
    criterion_delete,
    criteria_set_save,
    criteria_set_copy,
    round_settings_ensure,
    round_settings_save,
    current_time_of,
)
from .assignment import (
    AssignmentResult,
    reviews_assign,
    review_assign,
    reviews_auto_assign,
    review_unassign,
    reviews_set_due,
    conflict_declare,
    review_exclusion_lift,
    conflict_delete,
)
from .scoring import (
    ScoreInput,
    scores_validate,
    RETURNED_REFUSAL,
    review_save,
    review_submit,
    review_reopen,
    review_recuse,
)
from .decisions import (
    HEARING_MAILED_FIELDS,
    hearing_schedule,
    hearing_update,
    hearing_cancel,
    decision_record,
    decision_refusal,
    decisions_record,
    decision_cancel,
    decision_mark_announced,
    AnnouncementResult,
    primary_region,
    round_announce,
    EarlyClosing,
    round_draft_holders,
    round_close_early,
)
from .mail import (
    review_mail_context,
)

__all__ = [
    "ReviewError",
    "TransitionNotAllowed",
    "ReviewLocked",
    "CriteriaFrozen",
    "ConflictOfInterestError",
    "ScoresInvalid",
    "State",
    "AppState",
    "RoundState",
    "Actor",
    "REVIEW_TRANSITIONS",
    "REVIEW_MACHINE",
    "review_transition",
    "criteria_set_ensure_editable",
    "criterion_save",
    "criterion_delete",
    "criteria_set_save",
    "criteria_set_copy",
    "round_settings_ensure",
    "round_settings_save",
    "current_time_of",
    "AssignmentResult",
    "reviews_assign",
    "review_assign",
    "reviews_auto_assign",
    "review_unassign",
    "reviews_set_due",
    "conflict_declare",
    "review_exclusion_lift",
    "conflict_delete",
    "ScoreInput",
    "scores_validate",
    "RETURNED_REFUSAL",
    "review_save",
    "review_submit",
    "review_reopen",
    "review_recuse",
    "HEARING_MAILED_FIELDS",
    "hearing_schedule",
    "hearing_update",
    "hearing_cancel",
    "decision_record",
    "decision_refusal",
    "decisions_record",
    "decision_cancel",
    "decision_mark_announced",
    "AnnouncementResult",
    "primary_region",
    "round_announce",
    "EarlyClosing",
    "round_draft_holders",
    "round_close_early",
    "review_mail_context",
]
