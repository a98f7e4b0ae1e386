"""The parts every state machine of the portal is made of (issue 18): its table, its one
exception, its actor and its history row.

A machine's table has the shape of the transition's ALLOWED_TRANSITIONS (the one the team
chose to copy): per actor, from each state, the states it may move to, each named by its action::

    LAB_MACHINE = Machine(name="lab", label="ラボ", states=Lab.Status, field="status", table={
        Actor.STAFF: {
            Lab.Status.ACTIVE: {Lab.Status.ABOLISHED: "廃止する"},
        },
    })

A service checks a move with `machine.check(actor, from_state, to_state)` (TransitionNotAllowed
before anything changes), or moves one row with `move(...)`, which checks, writes the field and
records one StateChange (who, when, from, to, why). Anything else is refused. The README's
tables are rendered from the machines (`readme_tables`), so the README cannot drift from the code.

History: the machines that already had a record of their own keep it, because pages, exports
and mails read it (申請: ApplicationEvent, 移行申請: TransitionEvent, 審査: django-simple-history);
every other machine (公募回, ラボ, 申請主体, 所属, ラボの申し出) records each move as one StateChange
through `record` or `move`. Two records of the same move would only drift apart.

This module imports no app: the apps import it. The model StateChange lives in
labportal.models.state and is imported where it is used.
"""

import dataclasses
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db import models
from django.utils import timezone

logger = logging.getLogger(__name__)


class Actor(models.TextChoices):
    """Who may move a machine: the kinds of actor every table is written in. The values are the
    ones the events tables (ApplicationEvent, TransitionEvent) already store."""

    APPLICANT = "applicant", "申請者"
    ORGANISATION = "organisation", "申請主体"
    REVIEWER = "reviewer", "審査員"
    STAFF = "staff", "事務局"
    SYSTEM = "system", "システム（期限処理）"


@dataclass(frozen=True)
class Agent:
    """The one who moves a state now: a kind of actor and, for people, the user."""

    actor: Actor
    user: object = None

    @classmethod
    def staff(cls, user) -> "Agent":
        return cls(Actor.STAFF, user)

    @classmethod
    def system(cls) -> "Agent":
        return cls(Actor.SYSTEM)

    def __post_init__(self):
        # Accept the stored string ("staff") as well as Actor.STAFF; anything else is a bug.
        object.__setattr__(self, "actor", Actor(self.actor))


class TransitionNotAllowed(Exception):
    """A move the machine's table does not allow; str(error) is a Japanese sentence for the user."""

    def __init__(self, message: str = "", *, machine: "Machine | None" = None, from_state: str = "",
                 to_state: str = "", actor: str = ""):
        if not message and machine is not None:
            message = (f"{machine.label}の状態を「{machine.state_label(from_state)}」から"
                       f"「{machine.state_label(to_state)}」へ変更することはできません。")
        super().__init__(message)
        self.machine, self.from_state, self.to_state, self.actor = machine, from_state, to_state, actor


# actor → from state → {to state: action}
Table = Mapping[str, Mapping[str, Mapping[str, str]]]


@dataclass(frozen=True)
class Row:
    """One line of a machine's table as the README shows it."""

    from_state: str
    action: str
    to_state: str
    actors: tuple[str, ...]


MACHINES: dict[str, "Machine"] = {}


@dataclass(frozen=True)
class Machine:
    """One state machine: the model's choices, the field that holds the state, and the table."""

    name: str  # recorded with each change: "lab", "organisation", …
    label: str  # 「ラボ」の状態を…
    states: type[models.TextChoices]
    table: Table
    field: str = "state"
    notes: str = dataclasses.field(default="", compare=False)  # a line under the README's table
    listed: bool = dataclasses.field(default=True, compare=False)  # in MACHINES and the README
    # The class `check` raises: TransitionNotAllowed, or an app's subclass of it that is also that
    # app's error (ApplicationError, ReviewError, TransitionError), which its pages already catch.
    error: type = dataclasses.field(default=None, compare=False)

    def __post_init__(self):
        for actor, moves in self.table.items():
            Actor(actor)
            for from_state, targets in moves.items():
                for to_state in (from_state, *targets):
                    self.states(to_state)
        if self.listed:
            MACHINES[self.name] = self

    def state_label(self, state: str) -> str:
        return self.states(state).label if state in self.states.values else (state or "（なし）")

    def moves(self, actor: str, from_state: str) -> Mapping[str, str]:
        """{to state: action} that `actor` may do from `from_state` (for the buttons a page shows)."""
        return self.table.get(actor, {}).get(from_state, {})

    def allows(self, actor: str, from_state: str, to_state: str) -> bool:
        return to_state in self.moves(actor, from_state)

    def check(self, actor: str, from_state: str, to_state: str, message: str = "") -> str:
        """The action's name if the table allows the move; else TransitionNotAllowed."""
        action = self.moves(actor, from_state).get(to_state)
        if action is None:
            raise (self.error or TransitionNotAllowed)(message, machine=self, from_state=from_state,
                                                       to_state=to_state, actor=actor)
        return action

    def rows(self) -> list[Row]:
        """The table as rows (from, action, to, who may), in the order of the model's choices."""
        actors_of: dict[tuple[str, str, str], list[str]] = {}
        for actor in Actor:
            for from_state, targets in self.table.get(actor, {}).items():
                for to_state, action in targets.items():
                    actors_of.setdefault((from_state, action, to_state), []).append(actor.label)
        order = {state: index for index, state in enumerate(self.states.values)}
        return [Row(f, a, t, tuple(actors)) for (f, a, t), actors in
                sorted(actors_of.items(), key=lambda item: (order[item[0][0]], order[item[0][2]]))]


def _content_type(target):
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(type(target), for_concrete_model=True)


def record(*, machine: Machine, targets: Iterable, from_states: Mapping[int, str] | str, to_state: str,
           agent: Agent, reason: str = "", action: str = "", now: datetime | None = None) -> list:
    """One StateChange per target (one INSERT however many): who, when, from, to, why.

    `from_states` is one state for all, or {pk: state}. The caller has already checked and made
    the move inside its transaction; this only writes the history."""
    from labportal.models import StateChange

    targets = list(targets)
    if not targets:
        return []
    content_type = _content_type(targets[0])
    now = now or timezone.now()
    changes = []
    for target in targets:
        from_state = from_states if isinstance(from_states, str) else from_states[target.pk]
        changes.append(StateChange(
            content_type=content_type, object_id=target.pk, machine=machine.name, from_state=from_state,
            to_state=to_state, action=action or machine.moves(agent.actor, from_state).get(to_state, ""),
            actor=agent.actor, user=agent.user, reason=reason, created_at=now))
        logger.info("%s %s: %s → %s（%s %s）", machine.label, target.pk, machine.state_label(from_state),
                    machine.state_label(to_state), agent.actor.label, getattr(agent.user, "pk", ""))
    return StateChange.objects.bulk_create(changes)


def move(*, machine: Machine, target, to_state: str, agent: Agent, reason: str = "",
         also_save: Iterable[str] = (), now: datetime | None = None):
    """Move one row: check the table for `agent`, write the state field (and `also_save`, fields
    the caller set), record the change. Returns the StateChange, or None when the row is already
    in `to_state` (a double click does nothing twice). The caller holds the row locked when a
    race matters."""
    from_state = getattr(target, machine.field)
    if from_state == to_state:
        return None
    action = machine.check(agent.actor, from_state, to_state)
    setattr(target, machine.field, to_state)
    target.save(update_fields=[machine.field, *also_save])
    return record(machine=machine, targets=[target], from_states=from_state, to_state=to_state,
                  agent=agent, reason=reason, action=action, now=now)[0]


# --- The README's tables ----------------------------------------------------------------------

README_BEGIN = "<!-- state-machines:begin (generated by labportal.state_machine.readme_tables) -->"
README_END = "<!-- state-machines:end -->"


def _discover() -> None:
    """Import every app's services module, where the machines are declared."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("services")


def readme_tables() -> str:
    """Every machine's table as Markdown, the text between the README's markers."""
    _discover()
    parts = []
    for machine in sorted(MACHINES.values(), key=lambda m: m.name):
        parts.append(f"#### {machine.label}（`{machine.name}`、`{machine.states.__qualname__}`）\n")
        parts.append("| 変更前 | 操作 | 変更後 | 操作できる人 |\n|---|---|---|---|")
        for row in machine.rows():
            parts.append(f"| {machine.state_label(row.from_state)} | {row.action} | "
                         f"{machine.state_label(row.to_state)} | {'、'.join(row.actors)} |")
        if machine.notes:
            parts.append(f"\n{machine.notes}")
        parts.append("")
    return "\n".join(parts).rstrip() + "\n"


def readme_section(text: str) -> str:
    """The part of `text` between the markers (what readme_tables must equal)."""
    start, end = text.index(README_BEGIN) + len(README_BEGIN), text.index(README_END)
    return text[start:end].strip("\n") + "\n"


def readme_rewrite(text: str) -> str:
    """`text` with the part between the markers replaced by readme_tables()."""
    start, end = text.index(README_BEGIN) + len(README_BEGIN), text.index(README_END)
    return f"{text[:start]}\n\n{readme_tables()}\n{text[end:]}"
