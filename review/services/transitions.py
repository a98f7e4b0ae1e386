"""The one door for a review's state (REVIEW_MACHINE's table per actor) and the guard every
change of a round's reviews passes."""

import logging
from datetime import datetime

from django.utils import timezone

from applications.models import Application
from labportal import state_machine
from labportal.models import SelectionRound

from ..models import Review
from .errors import ReviewLocked, TransitionNotAllowed

logger = logging.getLogger(__name__)

State = Review.State
AppState = Application.State
RoundState = SelectionRound.State

Actor = state_machine.Actor  # REVIEWER: the assigned reviewer; STAFF: 事務局; SYSTEM: the clock


# --- The one door for a review's state -------------------------------------------------------

# Who may move a review from which state to which (labportal.state_machine's shape).
REVIEW_TRANSITIONS = {
    Actor.REVIEWER: {
        State.NOT_STARTED: {State.DRAFT: "下書きを保存する", State.SUBMITTED: "提出する", State.RECUSED: "辞退する"},
        State.DRAFT: {State.SUBMITTED: "提出する", State.RECUSED: "辞退する"},
    },
    Actor.STAFF: {
        State.NOT_STARTED: {State.RECUSED: "辞退にする"},
        State.DRAFT: {State.RECUSED: "辞退にする"},
        State.SUBMITTED: {State.DRAFT: "再提出を依頼する"},
    },
}
REVIEW_MACHINE = state_machine.Machine(name="review", label="審査", states=State, table=REVIEW_TRANSITIONS,
                                       error=TransitionNotAllowed)


def review_transition(*, review: Review, to_state: str, actor: str, by=None, reason: str = "",
                      now: datetime | None = None) -> Review:
    """Move `review` to `to_state` if REVIEW_MACHINE allows it for `actor`, stamp the time
    the state implies, save it (history records who and when) and log the move once.

    The caller holds the row locked inside a transaction. Raises TransitionNotAllowed for any
    move not in the table, before anything changes."""
    from_state = review.state
    REVIEW_MACHINE.check(actor, from_state, to_state)
    now = now or timezone.now()
    review.state = to_state
    if to_state == State.SUBMITTED:
        review.submitted_at = now
    elif to_state == State.DRAFT:
        review.submitted_at = None
    elif to_state == State.RECUSED:
        review.recused_at = now
        review.recusal_reason = reason
    review._history_user = by
    review._change_reason = reason[:100] if reason else f"{State(from_state).label} → {State(to_state).label}"
    review.save()
    logger.info("review %s: %s -> %s by %s %s", review.pk, from_state, to_state, actor, getattr(by, "pk", None))
    return review

def _round_open_for_review(selection_round: SelectionRound) -> None:
    if selection_round.state == RoundState.ANNOUNCED:
        raise ReviewLocked(f"{selection_round}は公表済みのため、審査を変更できません。")
