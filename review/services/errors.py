"""The review app's refusals: each str() is a Japanese sentence the admin can show as it is."""

from collections.abc import Mapping

from labportal import state_machine

class ReviewError(Exception):
    """A refused action; str(error) is a Japanese sentence for the user."""


class TransitionNotAllowed(state_machine.TransitionNotAllowed, ReviewError):
    """labportal.state_machine's one refusal of a move, also a ReviewError for the admin pages."""


class ReviewLocked(ReviewError):
    pass


class CriteriaFrozen(ReviewError):
    pass


class ConflictOfInterestError(ReviewError):
    pass


class ScoresInvalid(ReviewError):
    """The scores or comments of a save were refused: `errors` maps a form field name
    (score_<criterion id>, comment_<criterion id>, recommendation, __all__) to messages."""

    def __init__(self, errors: Mapping[str, list[str]]):
        self.errors = dict(errors)
        super().__init__(" ".join(message for messages in self.errors.values() for message in messages))
