"""Shared reads of the transition app: recipients, the organisation's requests, and the staff
dashboard's aggregates — each a fixed number of queries, however many labs there are."""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from labportal.models import Bureau, Prefecture, Region, SelectionRound, User
from labportal.security import AccessRefused
from labportal.services import Recipient

from .models import TransitionPolicy, TransitionRequest
from .tilemap import TILE_POSITIONS

JST = ZoneInfo("Asia/Tokyo")
State = TransitionRequest.State


# --- Recipients -----------------------------------------------------------------------------------

def member_recipients_by_organisation(organisation_ids) -> dict[int, list[Recipient]]:
    """Active members of each organisation, greeted with its name: {organisation id: [Recipient]}
    in one query, however many organisations."""
    from applications.models import Membership

    ids = [pk for pk in organisation_ids if pk]
    if not ids:
        return {}
    rows = (Membership.objects.filter(organisation_id__in=ids, state=Membership.State.ACTIVE,
                                      user__is_active=True)
            .select_related("user", "organisation").order_by("organisation_id", "user_id"))
    recipients = defaultdict(list)
    for membership in rows:
        user = membership.user
        recipients[membership.organisation_id].append(Recipient(
            email=user.email, name=user.display_name, organisation=membership.organisation.name,
            user_id=user.pk))
    return dict(recipients)


def staff_recipients() -> list[Recipient]:
    """Every active member of the staff group, greeted as the secretariat (one query)."""
    from labportal.deadlines import staff_recipients as labportal_staff_recipients

    return labportal_staff_recipients()


# --- The organisation's side ------------------------------------------------------------------------

def requests_with_lab() -> QuerySet[TransitionRequest]:
    return TransitionRequest.objects.select_related(
        "lab__region__prefecture__bureau", "lab__selection_round", "lab__programme", "organisation",
        "application")


def requests_of_member(user) -> QuerySet[TransitionRequest]:
    """The requests of the labs whose organisation `user` is an active member of."""
    from applications.models import Membership

    if not user.is_authenticated or not user.is_active:
        return TransitionRequest.objects.none()
    return requests_with_lab().filter(
        organisation__memberships__user=user,
        organisation__memberships__state=Membership.State.ACTIVE).distinct()


def request_for_member(user, pk) -> TransitionRequest:
    """The one door from a URL's id to a request: the request if `user` is an active member of
    the lab's organisation, else Http404 — the same answer as for an id that does not exist."""
    try:
        return requests_of_member(user).get(pk=pk)
    except (TransitionRequest.DoesNotExist, ValueError, TypeError):
        raise AccessRefused("移行の届出", pk) from None


def claimable_requests() -> QuerySet[TransitionRequest]:
    """IoT labs no organisation runs yet, for the claim form."""
    return (TransitionRequest.objects.filter(organisation__isnull=True)
            .exclude(state__in=[State.APPROVED, State.EXPIRED])
            .select_related("lab__region__prefecture").order_by("lab__region__prefecture__code", "lab__name"))


def timeline(transition_request: TransitionRequest):
    return list(transition_request.events.select_related("user").order_by("created_at", "id"))


# --- The staff dashboard --------------------------------------------------------------------------

MOVED = State.APPROVED
NOT_SUBMITTED = TransitionRequest.OPEN_STATES
STATE_ORDER = [value for value, _label in State.choices]


@dataclass
class Breakdown:
    """Counts by state for one group (a bureau, a round, a kind of region, or all labs)."""

    key: str
    label: str
    counts: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def moved(self) -> int:
        return self.counts[MOVED]

    @property
    def share_moved(self) -> float:
        return self.moved / self.total if self.total else 0.0

    @property
    def percent_moved(self) -> int:
        return round(self.share_moved * 100)

    def in_order(self) -> list[int]:
        return [self.counts[state] for state in STATE_ORDER]


@dataclass
class Tile:
    prefecture: Prefecture
    column: int
    row: int
    breakdown: Breakdown

    @property
    def level(self) -> str:
        """The colour class of the share moved: none (no IoT lab), 0, 1–4 quarters, all."""
        b = self.breakdown
        if not b.total:
            return "none"
        if b.moved == b.total:
            return "all"
        if b.moved == 0:
            return "0"
        return str(min(3, int(b.share_moved * 4)) + 1)


def state_counts() -> list[dict]:
    """(state, bureau, round, kind, prefecture) → count of requests, in one query."""
    return list(TransitionRequest.objects.values(
        "state", "lab__region__prefecture__bureau_id", "lab__selection_round_id", "lab__region__kind",
        "lab__region__prefecture_id").annotate(n=Count("id")).order_by())


def dashboard_breakdowns(rows: list[dict]) -> dict:
    """Overall, by bureau, by IoT round, by kind of region and by prefecture, from state_counts()
    (three small queries for the labels, none per lab)."""
    bureaus = {b.pk: b for b in Bureau.objects.order_by("order")}
    rounds = {r.pk: r for r in SelectionRound.objects.filter(programme__code="iot").order_by("number")}
    overall = Breakdown("all", "全体")
    by_bureau = {pk: Breakdown(b.code, b.name) for pk, b in bureaus.items()}
    by_round = {pk: Breakdown(str(r.number), r.label) for pk, r in rounds.items()}
    by_kind = {value: Breakdown(value, label) for value, label in Region.Kind.choices}
    by_prefecture = defaultdict(lambda: Breakdown("", ""))
    for row in rows:
        state, n = row["state"], row["n"]
        overall.counts[state] += n
        by_bureau[row["lab__region__prefecture__bureau_id"]].counts[state] += n
        if row["lab__selection_round_id"] in by_round:
            by_round[row["lab__selection_round_id"]].counts[state] += n
        by_kind[row["lab__region__kind"]].counts[state] += n
        by_prefecture[row["lab__region__prefecture_id"]].counts[state] += n
    return {
        "overall": overall,
        "by_bureau": list(by_bureau.values()),
        "by_round": [b for b in by_round.values() if b.total],
        "by_kind": list(by_kind.values()),
        "by_prefecture": by_prefecture,
    }


def tile_map(by_prefecture) -> list[Tile]:
    """The 47 prefectures on a grid (no geographic data), each with its labs' counts (one query)."""
    tiles = []
    for prefecture in Prefecture.objects.order_by("code"):
        column, row = TILE_POSITIONS[prefecture.code]
        breakdown = by_prefecture.get(prefecture.pk) or Breakdown(prefecture.code, prefecture.name)
        breakdown.key, breakdown.label = prefecture.code, prefecture.name
        tiles.append(Tile(prefecture, column, row, breakdown))
    return tiles


def _month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def progress_by_month(policy: TransitionPolicy | None, total: int, now=None) -> dict:
    """Labs moved per month over the period, cumulated, against the straight line that moves
    every lab by the end (one query). Months are those of Asia/Tokyo."""
    now = now or timezone.now()
    moved = dict(
        TransitionRequest.objects.filter(state=MOVED, decided_at__isnull=False)
        .annotate(month=TruncMonth("decided_at", tzinfo=JST)).values("month")
        .annotate(n=Count("id")).values_list("month", "n"))
    moved = {(m.date() if isinstance(m, datetime.datetime) else m): n for m, n in moved.items()}
    today = timezone.localdate(now, JST)
    if policy and policy.has_transition_period and policy.period_starts_on and policy.period_ends_on:
        first, last = policy.period_starts_on, policy.period_ends_on
    else:
        first = min(moved, default=today)
        last = max(max(moved, default=today), today)
    first_month = min([_month_start(first), *moved.keys()]) if moved else _month_start(first)
    months, month = [], first_month
    while month <= _month_start(last) and len(months) < 240:
        months.append(month)
        month = _next_month(month)
    span_days = max(1, (last - first).days + 1)
    labels, per_month, cumulative, target = [], [], [], []
    running = 0
    for month in months:
        running += moved.get(month, 0)
        month_end = min(_next_month(month) - datetime.timedelta(days=1), last)
        elapsed = max(0, min(span_days, (month_end - first).days + 1))
        labels.append(f"{month.year}年{month.month}月")
        per_month.append(moved.get(month, 0))
        cumulative.append(running if month <= _month_start(today) else None)
        target.append(round(total * elapsed / span_days, 1))
    moved_total = sum(moved.values())
    months_left = len([m for m in months if m > _month_start(today)]) + (1 if first_month <= today <= last else 0)
    remaining = max(0, total - moved_total)
    return {
        "labels": labels, "per_month": per_month, "cumulative": cumulative, "target": target,
        "moved": moved_total, "total": total, "remaining": remaining,
        "months_left": months_left,
        "needed_per_month": round(remaining / months_left, 1) if months_left else None,
    }


def at_risk_days() -> int:
    """How near the end a lab with nothing submitted counts as at risk (setting, default 90)."""
    return getattr(settings, "TRANSITION_AT_RISK_DAYS", 90)


def at_risk(policy: TransitionPolicy | None, now=None) -> list[TransitionRequest]:
    """Labs with nothing submitted when the end is near (TRANSITION_AT_RISK_DAYS), soonest
    first; each with `reminded_today` (a reminder mail was queued today, Asia/Tokyo). Two
    queries, however many."""
    from labportal.models import OutboxMail

    now = now or timezone.now()
    if policy is None or policy.closes_at is None or policy.has_ended(now):
        return []
    if policy.closes_at - now > datetime.timedelta(days=at_risk_days()):
        return []
    requests = list(requests_with_lab().filter(state__in=NOT_SUBMITTED)
                    .order_by("lab__region__prefecture__code", "lab__name"))
    today = timezone.localdate(now, JST).isoformat()
    reminded = set()
    for key in OutboxMail.objects.filter(event="transition_reminder",
                                         dedup_key__contains=f":manual-reminder:{today}:").values_list(
            "dedup_key", flat=True):
        # transition_reminder:transition:<request id>:manual-reminder:<date>:<address>
        parts = key.split(":")
        if len(parts) > 2 and parts[2].isdigit():
            reminded.add(int(parts[2]))
    for transition_request in requests:
        transition_request.reminded_today = transition_request.pk in reminded
    return requests


def awaiting_staff() -> QuerySet[TransitionRequest]:
    """Requests waiting for a staff decision, oldest submission first."""
    return requests_with_lab().filter(state__in=TransitionRequest.PENDING_STATES).order_by("submitted_at", "pk")


def prefecture_labs(prefecture_code: str) -> list[TransitionRequest]:
    return list(requests_with_lab().filter(lab__region__prefecture__code=prefecture_code)
                .order_by("lab__selection_round__number", "lab__name"))


def export_rows() -> QuerySet[TransitionRequest]:
    """Every lab's transition state, with what a row of the export shows (one query)."""
    return requests_with_lab().select_related("lab__successor").order_by(
        "lab__region__prefecture__code", "lab__selection_round__number", "lab__name")


def users_by_id(ids) -> dict[int, User]:
    return {u.pk: u for u in User.objects.filter(pk__in=list(ids))}


def public_transition_table():
    """The 移行について page's table: every IoT lab with its transition state where staff made it
    public (else None), and counts per bureau (labs, public states by label): one query
    (labportal.page_parts: registered in transition/apps.py)."""
    transition_requests = list(TransitionRequest.objects.select_related(
        "lab__region__prefecture__bureau", "lab__selection_round")
        .order_by("lab__region__prefecture__bureau__order", "lab__region__prefecture__code",
                  "lab__selection_round__number", "lab__name"))
    rows, by_bureau = [], {}
    for transition_request in transition_requests:
        state = transition_request.get_state_display() if transition_request.is_public else None
        rows.append((transition_request.lab, state))
        bureau = transition_request.lab.region.prefecture.bureau
        entry = by_bureau.setdefault(bureau.pk, {"bureau": bureau, "total": 0, "moved": 0, "unpublished": 0})
        entry["total"] += 1
        if state is None:
            entry["unpublished"] += 1
        elif transition_request.state == TransitionRequest.State.APPROVED:
            entry["moved"] += 1
    return rows, list(by_bureau.values())


def public_transition_page() -> dict:
    """The 移行について page's part (labportal.page_parts): the policy in force and the table."""
    rows, by_bureau = public_transition_table()
    return {"policy": TransitionPolicy.objects.in_force(), "rows": rows, "by_bureau": by_bureau}
