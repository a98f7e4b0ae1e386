"""The benchmark's data set: every municipality of Japan applying in one round, reviewed.

`seed(params)` makes the database hold exactly this data set, whatever it held before:

- `organisations` applicant organisations (by default the 47 prefectures and 1,741 municipalities;
  synthetic names, valid 全国地方公共団体コード), one applicant account each, and in the reviewed
  round (第91弾, 審査中) one fully filled application each: every section, `kpis` KPIs, a
  three-year roadmap, `participants` participating organisations, `attachments` attachments of
  `attachment_kb` KB (one file on disk, hard-linked for every row);
- `reviewers` reviewers, `reviews_per_application` per application, balanced, each review with a
  score and a comment for every criterion (6 for the DX lab);
- in the open round (第92弾, closing a few hours from now) a fully filled draft for each of the first
  `drafts` organisations: what the deadline hour saves and submits;
- the 105 IoT labs' transition requests spread over every state, under a policy in force;
- `outbox` sent mails in the outbox.

Idempotent: run again with the same parameters, it only puts back what a benchmark run changed
(drafts submitted, mails queued, dates that moved with the clock), in a few seconds; with other
parameters it removes the previous data set and builds the new one. Everything is written with
bulk operations in one transaction. Only rows the seed made are touched (its accounts are under
@bench.labportal.example, its rounds are the DX programme's 第91弾 and 第92弾).
"""

import json
import os
import random
import time
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from applications.models import (
    SECTION_MODELS,
    Activity,
    Application,
    ApplicationEvent,
    ApplicationVersion,
    Attachment,
    BasicInfoSection,
    CommitmentSection,
    DirectionSection,
    DiversitySection,
    InnovationSection,
    Initiative,
    Kpi,
    Membership,
    Organisation,
    OtherSection,
    Participant,
    Quadrant,
    RegionalityAspect,
    RegionalitySection,
    RoadmapItem,
)
from labportal.models import ClockEvent, OutboxMail, Prefecture, Programme, Region, Role, SelectionRound, User
from labportal.seed_data import local_government_check_digit, prefecture_local_government_code
from review.models import CriteriaSet, Review, RoundReviewSettings, Score
from transition.models import TransitionEvent, TransitionPolicy, TransitionRequest

DOMAIN = "bench.labportal.example"
REVIEW_ROUND = 91  # 審査中: the ranking, the reviewers' pages, the staff lists
OPEN_ROUND = 92  # 公募中, closing within hours: the deadline hour's saves and submissions
MARKER = "seed_scale:"
POLICY_NAME = "ベンチマーク用の移行方針（seed_scale）"
SEED_OUTBOX_PREFIX = "bench:seed:"
JOB_OUTBOX_PREFIX = "bench:job:"


@dataclass(frozen=True)
class SeedParams:
    organisations: int = 1788
    reviewers: int = 50
    reviews_per_application: int = 5
    kpis: int = 5
    participants: int = 8
    roadmap: int = 3
    attachments: int = 2
    attachment_kb: int = 200
    outbox: int = 10_000
    drafts: int | None = None  # default: one per organisation

    @property
    def draft_count(self) -> int:
        return self.organisations if self.drafts is None else min(self.drafts, self.organisations)

    def as_json(self) -> str:
        return json.dumps({**asdict(self), "drafts": self.draft_count}, sort_keys=True)


SMALL = SeedParams(organisations=120, reviewers=10, outbox=1000, attachment_kb=20)


def seed(params: SeedParams, log=print) -> str:
    """Make the database hold the data set of `params`; returns "created" or "reset"."""
    if params.reviews_per_application > params.reviewers:
        raise ValueError("reviews_per_application must not exceed reviewers")
    started = time.monotonic()
    with transaction.atomic():
        existing = _review_round()
        if existing is not None and existing.notes == MARKER + params.as_json():
            reset(params)
            log(f"seed_scale: data set already present, reset in {time.monotonic() - started:.1f} s")
            return "reset"
        if existing is not None:
            log("seed_scale: removing the previous data set (other parameters)")
            wipe()
        _Builder(params, log).build()
    log(f"seed_scale: built in {time.monotonic() - started:.1f} s")
    return "created"


def _dx() -> Programme:
    return Programme.objects.get(code="dx")


def _review_round() -> SelectionRound | None:
    return SelectionRound.objects.filter(programme__code="dx", number=REVIEW_ROUND).first()


def seeded_users():
    return User.objects.filter(email__endswith="@" + DOMAIN)


def seeded_rounds():
    return SelectionRound.objects.filter(programme__code="dx", number__in=[REVIEW_ROUND, OPEN_ROUND])


# --- Putting back what a run changed ------------------------------------------------------------

def reset(params: SeedParams) -> None:
    """Drafts of the open round back to 作成中, the seed's mails back to 送信済 and the mails of
    runs deleted, dates moved to now. Cheap: a handful of UPDATE and DELETE statements."""
    now = timezone.now()
    rounds = {r.number: r for r in seeded_rounds()}
    open_round = rounds[OPEN_ROUND]
    submitted = Application.objects.filter(selection_round=open_round).exclude(state=Application.State.DRAFT)
    ApplicationEvent.objects.filter(application__selection_round=open_round)._raw_delete("default")
    ApplicationVersion.objects.filter(application__selection_round=open_round)._raw_delete("default")
    submitted.update(state=Application.State.DRAFT, receipt_number=None, receipt_seq=None,
                     first_submitted_at=None, submitted_at=None)
    users = seeded_users()
    (OutboxMail.objects.filter(recipient_user__in=users).exclude(dedup_key__startswith=SEED_OUTBOX_PREFIX)
     ._raw_delete("default"))
    OutboxMail.objects.filter(dedup_key__startswith=JOB_OUTBOX_PREFIX)._raw_delete("default")
    outbox_mark_sent(now)
    _set_dates(rounds[REVIEW_ROUND], open_round, now)
    _transition_policy(now)
    _clock_already_acted(open_round, now)


def outbox_mark_sent(now=None) -> int:
    """The seed's mails as the history of a portal that sent them (送信済)."""
    now = now or timezone.now()
    return OutboxMail.objects.filter(dedup_key__startswith=SEED_OUTBOX_PREFIX).update(
        state=OutboxMail.State.SENT, attempts=1, last_error="", next_attempt_at=None,
        claimed_at=now - timedelta(days=1), handed_over_at=now - timedelta(days=1),
        sent_at=now - timedelta(days=1))


def outbox_mark_lost(now=None) -> int:
    """The seed's mails as 待機 rows whose task was lost long ago: all due for the sweep."""
    now = now or timezone.now()
    return OutboxMail.objects.filter(dedup_key__startswith=SEED_OUTBOX_PREFIX).update(
        state=OutboxMail.State.PENDING, attempts=0, next_attempt_at=None, claimed_at=None,
        handed_over_at=None, sent_at=None, created_at=now - timedelta(days=2))


def _set_dates(review_round, open_round, now):
    SelectionRound.objects.filter(pk=review_round.pk).update(
        opens_at=now - timedelta(days=60), closes_at=now - timedelta(days=30),
        state=SelectionRound.State.REVIEWING)
    # Deadline day: the round closes in six hours (the run takes minutes).
    SelectionRound.objects.filter(pk=open_round.pk).update(
        opens_at=now - timedelta(days=30), closes_at=now + timedelta(hours=6),
        state=SelectionRound.State.OPEN)


def _clock_already_acted(open_round, now):
    """The reminders already due (the open round's 7- and 1-day ones, the transition's nearest
    offset) recorded as sent, as the clock would have: a sweep finds nothing left to do."""
    from labportal.deadlines import ROUND_REMINDER
    from transition.deadlines import REMINDERS, due_offset, reminder_kind

    events = [ClockEvent(handler=ROUND_REMINDER, kind=f"reminder_{days}d", object_id=open_round.pk,
                         due_at=now, acted_at=now, note="seed_scale") for days in (1, 7)]
    policy = TransitionPolicy.objects.in_force(now)
    days = due_offset(policy, now) if policy else None
    if days is not None:
        kind = reminder_kind(policy, days)
        events += [ClockEvent(handler=REMINDERS, kind=kind, object_id=pk, due_at=now, acted_at=now,
                              note="seed_scale")
                   for pk in TransitionRequest.objects.values_list("pk", flat=True)]
        events.append(ClockEvent(handler=REMINDERS, kind=f"staff:{kind}", object_id=policy.pk, due_at=now,
                                 acted_at=now, note="seed_scale"))
    ClockEvent.objects.bulk_create(events, ignore_conflicts=True)


def _transition_policy(now) -> TransitionPolicy:
    """A policy in force whose period ends in 60 days (the dashboard's at-risk list is shown)."""
    today = timezone.localdate(now)
    policy = TransitionPolicy.objects.filter(name=POLICY_NAME).first()
    values = {"effective_from": now - timedelta(days=400), "has_transition_period": True,
              "period_starts_on": today - timedelta(days=400), "period_ends_on": today + timedelta(days=60),
              "iot_call_stops_on": today - timedelta(days=400), "dx_call_opens_on": today - timedelta(days=400)}
    if policy is None:
        policy = TransitionPolicy.objects.create(name=POLICY_NAME, **values)
    else:
        TransitionPolicy.objects.filter(pk=policy.pk).update(**values)
    return policy


# --- Removing a data set --------------------------------------------------------------------------

def wipe() -> None:
    """Remove every row the seed made (raw deletes in dependency order: no per-row signals)."""
    rounds = seeded_rounds()
    apps = Application.objects.filter(selection_round__in=rounds)
    users = seeded_users()
    organisations = Organisation.objects.filter(created_by__in=users)

    def gone(queryset):
        queryset._raw_delete("default")

    TransitionRequest.objects.filter(organisation__in=organisations).update(organisation=None)
    TransitionRequest.objects.filter(application__in=apps).update(application=None)
    gone(Score.objects.filter(review__application__in=apps))
    gone(Review.objects.filter(application__in=apps))
    from review.models import Decision, Hearing

    gone(Decision.objects.filter(application__in=apps))
    gone(Hearing.objects.filter(application__in=apps))
    gone(RoundReviewSettings.objects.filter(selection_round__in=rounds))
    for model in (ApplicationEvent, ApplicationVersion, Attachment, Kpi, RoadmapItem, Participant):
        gone(model.objects.filter(application__in=apps))
    from applications.models import RevisionRequest

    gone(RevisionRequest.objects.filter(application__in=apps))
    gone(BasicInfoSection.regions.through.objects.filter(basicinfosection__application__in=apps))
    gone(RegionalitySection.aspects.through.objects.filter(regionalitysection__application__in=apps))
    gone(InnovationSection.initiatives.through.objects.filter(innovationsection__application__in=apps))
    gone(InnovationSection.quadrants.through.objects.filter(innovationsection__application__in=apps))
    gone(InnovationSection.activities.through.objects.filter(innovationsection__application__in=apps))
    for model in SECTION_MODELS:
        gone(model.objects.filter(application__in=apps))
    gone(apps)
    gone(ClockEvent.objects.filter(object_id__in=list(rounds.values_list("pk", flat=True)),
                                   handler__startswith="labportal.round"))
    gone(rounds)
    gone(OutboxMail.objects.filter(recipient_user__in=users))
    gone(OutboxMail.objects.filter(dedup_key__startswith="bench:"))
    gone(Membership.objects.filter(user__in=users))
    gone(Organisation.regions.through.objects.filter(organisation__in=organisations))
    gone(organisations)
    from allauth.account.models import EmailAddress

    from allauth.mfa.models import Authenticator

    from labportal.models import SecurityEvent

    gone(EmailAddress.objects.filter(user__in=users))
    gone(Authenticator.objects.filter(user__in=users))  # staff and reviewers' apps (bench.run)
    SecurityEvent.objects.filter(user__in=users).update(user=None)  # the log outlives its users
    gone(User.groups.through.objects.filter(user__in=users))
    gone(users)


# --- Building one ------------------------------------------------------------------------------------

SENTENCES = [
    "地域の中小企業が抱える人手不足と生産性の課題に対し、データとデジタル技術を活用した解決を図る。",
    "自治体、商工会議所、地域金融機関、大学が一体となり、相談から実装までを切れ目なく支援する。",
    "観光、農林水産業、製造業の現場で得られるデータを共有し、新たなサービスの創出につなげる。",
    "専門家派遣とハンズオン支援により、デジタル化の第一歩を踏み出す事業者を年間五十社以上増やす。",
    "地域の高校・高専・大学と連携し、デジタル推進人材を育成して地元企業への定着を促す。",
    "オープンデータの公開と利活用を進め、民間事業者による地域課題解決型サービスの開発を後押しする。",
    "実証フィールドを提供し、スタートアップと地域企業の協業による試作・実証を重ねる。",
    "成果は毎年度の事業報告で公表し、KPIの達成状況を踏まえて取組内容を見直す。",
    "ラボの運営費は自治体予算に加え、会費収入と受託事業により段階的に自立化を図る。",
    "地域内外の企業が参加するマッチング・交流会を四半期ごとに開催し、新たな連携を生み出す。",
    "行政手続のオンライン化と並行して、事業者のバックオフィス業務のデジタル化を支援する。",
    "物流・移動の課題に対し、需要予測と配車最適化の実証を交通事業者と共同で行う。",
    "ものづくり企業の設備稼働データを可視化し、予知保全と省エネルギーの効果を検証する。",
    "一次産業ではセンサーと衛星データを組み合わせ、収量予測と作業の省力化に取り組む。",
    "ラボのコーディネーターが事業者の相談を受け、課題に応じた専門家と支援策につなぐ。",
    "事例集とセミナーで先行事例を共有し、地域全体のデジタル活用の裾野を広げる。",
]
KATAKANA_NAMES = ["ヤマダ タロウ", "スズキ ハナコ", "タカハシ イチロウ", "タナカ ミキ", "ワタナベ ケン",
                  "イトウ サクラ", "ナカムラ ユウタ", "コバヤシ アヤ"]
KANJI_NAMES = ["山田 太郎", "鈴木 花子", "高橋 一郎", "田中 美紀", "渡辺 健", "伊藤 さくら", "中村 優太",
               "小林 彩"]
PARTICIPANT_KINDS = [value for value, _ in Participant.Kind.choices]


class _Text:
    """Deterministic Japanese paragraphs of about the asked length, from a small pool."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.cache: dict[tuple[int, int], str] = {}

    def paragraph(self, low: int, high: int, index: int) -> str:
        key = (low, index % 37)
        if key not in self.cache:
            target = self.rng.randint(low, high)
            parts, length = [], 0
            while length < target:
                sentence = self.rng.choice(SENTENCES)
                parts.append(sentence)
                length += len(sentence)
            self.cache[key] = "".join(parts)
        return self.cache[key]


def _pdf_bytes(size: int) -> bytes:
    head = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\n"
    tail = b"\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    padding = max(0, size - len(head) - len(tail))
    return head + b"%" + b"0" * max(0, padding - 1) + tail


class _Builder:
    def __init__(self, params: SeedParams, log):
        self.p = params
        self.log = log
        self.rng = random.Random(7)
        self.text = _Text(self.rng)
        self.now = timezone.now()
        self.step_started = time.monotonic()

    def step(self, what: str):
        elapsed = time.monotonic() - self.step_started
        self.log(f"  {what} ({elapsed:.1f} s)")
        self.step_started = time.monotonic()

    def build(self):
        self.regions = self._regions()
        self.step(f"{len(self.regions)} regions")
        self._accounts()
        self.step(f"{len(self.applicants)} applicants, {len(self.reviewers)} reviewers, staff")
        self._organisations()
        self.step(f"{len(self.organisations)} organisations")
        self._rounds()
        reviewed = self._applications(self.review_round, submitted=True)
        drafts = self._applications(self.open_round, submitted=False,
                                    organisations=self.organisations[:self.p.draft_count])
        self.step(f"{len(reviewed)} applications in review, {len(drafts)} drafts")
        self._contents(reviewed + drafts)
        self.step("sections, KPIs, roadmaps, participants, attachments")
        self._reviews(reviewed)
        self.step("reviews and scores")
        self._transition()
        self.step("transition requests")
        self._outbox()
        self.step(f"{self.p.outbox} outbox mails")
        _clock_already_acted(self.open_round, self.now)

    # --- the register -------------------------------------------------------------------------

    def _regions(self) -> list[Region]:
        """The prefectures' own regions, then municipalities round-robin over the prefectures."""
        n = self.p.organisations
        prefectures = list(Prefecture.objects.order_by("code"))
        existing = {r.local_government_code: r for r in Region.objects.exclude(local_government_code="")}
        wanted: list[tuple[str, str, str, Prefecture]] = []  # code, kind, name, prefecture
        for prefecture in prefectures[:n]:
            wanted.append((prefecture_local_government_code(prefecture.code), Region.Kind.PREFECTURE,
                           prefecture.name, prefecture))
        counters = {p.code: 0 for p in prefectures}
        serial = 500
        while len(wanted) < n:
            prefecture = prefectures[(len(wanted) - len(prefectures)) % len(prefectures)]
            counters[prefecture.code] += 1
            number = counters[prefecture.code]
            while True:
                first_five = f"{prefecture.code}{serial + number:03d}"
                code = first_five + str(local_government_check_digit(first_five))
                if code not in existing or existing[code].name.startswith(_municipality_prefix(prefecture)):
                    break
                number += 100  # a real municipality's code: take another
            wanted.append((code, Region.Kind.MUNICIPALITY,
                           f"{_municipality_prefix(prefecture)}{counters[prefecture.code]:02d}市", prefecture))
        missing = [Region(kind=kind, name=name, prefecture=prefecture, local_government_code=code)
                   for code, kind, name, prefecture in wanted if code not in existing]
        created = {r.local_government_code: r for r in Region.objects.bulk_create(missing, batch_size=1000)}
        return [existing.get(code) or created[code] for code, *_ in wanted]

    def _accounts(self):
        password = make_password(None)  # unusable: the benchmark signs in by creating sessions
        groups = {g.name: g for g in Group.objects.all()}
        self.applicants = User.objects.bulk_create([
            User(email=f"applicant{i:04d}@{DOMAIN}", last_name="申請", first_name=f"{i:04d}", password=password,
                 date_joined=self.now)
            for i in range(1, self.p.organisations + 1)], batch_size=2000)
        self.reviewers = User.objects.bulk_create([
            User(email=f"reviewer{i:03d}@{DOMAIN}", last_name="審査", first_name=f"{i:03d}", password=password,
                 is_staff=True, date_joined=self.now)
            for i in range(1, self.p.reviewers + 1)])
        self.staff, = User.objects.bulk_create([User(email=f"staff@{DOMAIN}", last_name="事務局", first_name="ベンチ",
                                                     password=password, is_staff=True, date_joined=self.now)])
        Through = User.groups.through
        Through.objects.bulk_create(
            [Through(user_id=u.pk, group_id=groups[Role.APPLICANT].pk) for u in self.applicants]
            + [Through(user_id=u.pk, group_id=groups[Role.REVIEWER].pk) for u in self.reviewers]
            + [Through(user_id=self.staff.pk, group_id=groups[Role.STAFF].pk)], batch_size=2000)

    def _organisations(self):
        self.organisations = Organisation.objects.bulk_create([
            Organisation(name=region.name, name_kana="ベンチ", kind=Organisation.Kind.MUNICIPALITY,
                         department="デジタル推進課", address=f"{region.prefecture.name}役所通り1-1",
                         phone="000-0000-0000", status=Organisation.Status.CONFIRMED, created_by=user,
                         confirmed_at=self.now)
            for region, user in zip(self.regions, self.applicants, strict=True)], batch_size=2000)
        Organisation.regions.through.objects.bulk_create([
            Organisation.regions.through(organisation_id=o.pk, region_id=r.pk)
            for o, r in zip(self.organisations, self.regions, strict=True)], batch_size=2000)
        Membership.objects.bulk_create([
            Membership(user=u, organisation=o, role=Membership.Role.ADMIN, state=Membership.State.ACTIVE,
                       approved_at=self.now)
            for u, o in zip(self.applicants, self.organisations, strict=True)], batch_size=2000)

    def _rounds(self):
        dx = _dx()
        self.review_round = SelectionRound.objects.create(
            programme=dx, number=REVIEW_ROUND, state=SelectionRound.State.REVIEWING,
            opens_at=self.now - timedelta(days=60), closes_at=self.now - timedelta(days=30),
            notes=MARKER + self.p.as_json())
        self.open_round = SelectionRound.objects.create(
            programme=dx, number=OPEN_ROUND, state=SelectionRound.State.OPEN,
            opens_at=self.now - timedelta(days=30), closes_at=self.now + timedelta(hours=6),
            notes="seed_scale: 締切日の負荷試験用")

    # --- applications ----------------------------------------------------------------------------

    def _applications(self, selection_round, *, submitted: bool, organisations=None) -> list[Application]:
        organisations = self.organisations if organisations is None else organisations
        year = timezone.localtime(selection_round.opens_at).year
        submitted_at = selection_round.closes_at - timedelta(days=1)
        rows = []
        for seq, (organisation, user) in enumerate(zip(organisations, self.applicants), start=1):
            application = Application(organisation=organisation, selection_round=selection_round,
                                      created_by=user)
            if submitted:
                application.state = Application.State.UNDER_REVIEW
                application.receipt_number = f"DX-{year}-{selection_round.number:02d}-{seq:04d}"
                application.receipt_seq = seq
                application.first_submitted_at = application.submitted_at = submitted_at
            rows.append(application)
        rows = Application.objects.bulk_create(rows, batch_size=2000)
        if submitted:
            events = []
            for application in rows:
                events.append(ApplicationEvent(application=application, from_state=Application.State.DRAFT,
                                               to_state=Application.State.SUBMITTED,
                                               actor=ApplicationEvent.Actor.APPLICANT,
                                               user_id=application.created_by_id))
                events.append(ApplicationEvent(application=application, from_state=Application.State.SUBMITTED,
                                               to_state=Application.State.UNDER_REVIEW,
                                               actor=ApplicationEvent.Actor.SYSTEM,
                                               message="公募締切により審査中になりました"))
            ApplicationEvent.objects.bulk_create(events, batch_size=4000)
        return rows

    def _contents(self, applications: list[Application]):
        t = self.text
        long = (300, 1200)
        organisations = {o.pk: o for o in self.organisations}
        regions = {o.pk: r for o, r in zip(self.organisations, self.regions, strict=True)}
        sections = {model: [] for model in SECTION_MODELS}
        for i, a in enumerate(applications):
            organisation = organisations[a.organisation_id]
            common = {"application": a, "version": 1, "updated_by_id": a.created_by_id}
            sections[BasicInfoSection].append(BasicInfoSection(
                **common, lab_name=f"{organisation.name}地域DX推進ラボ",
                implementing_body=f"{organisation.name}地域DX推進協議会",
                implementing_body_members=t.paragraph(100, 300, i),
                contact_name=KANJI_NAMES[i % len(KANJI_NAMES)], contact_kana=KATAKANA_NAMES[i % len(KATAKANA_NAMES)],
                contact_department="デジタル推進課", contact_phone="000-0000-0000",
                contact_email=f"dx{i}@{DOMAIN}"))
            sections[DirectionSection].append(DirectionSection(
                **common, vision=t.paragraph(*long, i), goals=t.paragraph(*long, i + 1),
                process=t.paragraph(*long, i + 2)))
            sections[RegionalitySection].append(RegionalitySection(
                **common, regional_issues=t.paragraph(*long, i + 3), target_industries=t.paragraph(100, 300, i + 4)))
            sections[InnovationSection].append(InnovationSection(
                **common, activities_other="", activity_plan=t.paragraph(*long, i + 5)))
            sections[CommitmentSection].append(CommitmentSection(
                **common, municipality_role=t.paragraph(*long, i + 6), annual_budget=10_000_000 + 100_000 * (i % 90),
                funding_plan=t.paragraph(*long, i + 7), returns=t.paragraph(*long, i + 8),
                staffing=t.paragraph(*long, i + 9)))
            sections[DiversitySection].append(DiversitySection(**common, collaboration=t.paragraph(*long, i + 10)))
            sections[OtherSection].append(OtherSection(
                **common, open_data=t.paragraph(*long, i + 11), digital_talent=t.paragraph(*long, i + 12),
                data_linkage=t.paragraph(*long, i + 13)))
        created = {model: model.objects.bulk_create(rows, batch_size=500) for model, rows in sections.items()}

        initiatives = list(Initiative.objects.order_by("code"))
        aspects = list(RegionalityAspect.objects.order_by("code"))
        quadrants = list(Quadrant.objects.order_by("order"))
        activities = list(Activity.objects.order_by("order"))
        m2m = [
            (BasicInfoSection.regions.through, "basicinfosection_id", "region_id",
             lambda i, a: [regions[a.organisation_id].pk], BasicInfoSection),
            (RegionalitySection.aspects.through, "regionalitysection_id", "aspect_id",
             lambda i, a: [x.pk for x in aspects[: 1 + i % len(aspects)]], RegionalitySection),
            (InnovationSection.initiatives.through, "innovationsection_id", "initiative_id",
             lambda i, a: [x.pk for x in initiatives[: 1 + i % len(initiatives)]], InnovationSection),
            (InnovationSection.quadrants.through, "innovationsection_id", "quadrant_id",
             lambda i, a: [quadrants[i % len(quadrants)].pk, quadrants[(i + 1) % len(quadrants)].pk],
             InnovationSection),
            (InnovationSection.activities.through, "innovationsection_id", "activity_id",
             lambda i, a: [activities[(i + k) % len(activities)].pk for k in range(3)], InnovationSection),
        ]
        for through, owner, target, pick, model in m2m:
            through.objects.bulk_create([
                through(**{owner: section.pk, target: pk})
                for i, (a, section) in enumerate(zip(applications, created[model], strict=True))
                for pk in pick(i, a)], batch_size=5000)

        year = timezone.localdate(self.now).year
        Kpi.objects.bulk_create([
            Kpi(application=a, indicator=f"デジタル化に取り組む事業者数（指標{k + 1}）", current_value=f"{10 + k}社",
                target_value=f"{50 + 10 * k}社", target_fiscal_year=year + 2, order=k + 1)
            for a in applications for k in range(self.p.kpis)], batch_size=5000)
        RoadmapItem.objects.bulk_create([
            RoadmapItem(application=a, fiscal_year=year + k, plan=t.paragraph(100, 300, i + k))
            for i, a in enumerate(applications) for k in range(self.p.roadmap)], batch_size=5000)
        Participant.objects.bulk_create([
            Participant(application=a, name=f"参加機関{k + 1}（{organisations[a.organisation_id].name}）",
                        kind=PARTICIPANT_KINDS[(i + k) % len(PARTICIPANT_KINDS)],
                        role="ラボの運営への参画と事業者支援", order=k + 1)
            for i, a in enumerate(applications) for k in range(self.p.participants)], batch_size=5000)
        self._attachments(applications)

    def _attachments(self, applications):
        if not self.p.attachments:
            return
        size = self.p.attachment_kb * 1024
        root = Path(settings.MEDIA_ROOT)
        source = root / "bench" / f"attachment-{size}.pdf"
        source.parent.mkdir(parents=True, exist_ok=True)
        if not source.exists() or source.stat().st_size != size:
            source.write_bytes(_pdf_bytes(size))
        rows = []
        for a in applications:
            folder = root / "applications" / str(a.pk)
            folder.mkdir(parents=True, exist_ok=True)
            for k in range(self.p.attachments):
                name = f"applications/{a.pk}/bench-{k + 1}.pdf"
                target = root / name
                if not target.exists():
                    try:
                        os.link(source, target)  # one file's worth of disk for every attachment
                    except OSError:
                        target.write_bytes(source.read_bytes())
                rows.append(Attachment(application=a, kind=Attachment.Kind.PLAN, file=name,
                                       original_name=f"計画書{k + 1}.pdf", content_type="application/pdf",
                                       extension="pdf", size=size, uploaded_by_id=a.created_by_id))
        Attachment.objects.bulk_create(rows, batch_size=5000)

    # --- review ----------------------------------------------------------------------------------

    def _reviews(self, applications):
        criteria_set = CriteriaSet.objects.filter(programme__code="dx").order_by("-is_published", "-version").first()
        criteria = list(criteria_set.criteria.order_by("order"))
        CriteriaSet.objects.filter(pk=criteria_set.pk, frozen_at__isnull=True).update(frozen_at=self.now)
        RoundReviewSettings.objects.create(
            selection_round=self.review_round, criteria_set=criteria_set,
            reviewers_per_application=self.p.reviews_per_application,
            review_due_at=self.now + timedelta(days=14), scoring_started_at=self.now - timedelta(days=20))
        n, r = self.p.reviews_per_application, len(self.reviewers)
        reviews = []
        for i, a in enumerate(applications):
            for k in range(n):
                reviewer = self.reviewers[(i * n + k) % r]
                # One review in ten still a draft: the reviewer's page then shows the scoring form.
                draft = (i * n + k) % 10 == 3
                reviews.append(Review(
                    application=a, reviewer=reviewer,
                    state=Review.State.DRAFT if draft else Review.State.SUBMITTED,
                    due_at=self.now + timedelta(days=14), overall_comment=self.text.paragraph(100, 400, i + k),
                    recommendation=Review.Recommendation.RECOMMEND if (i + k) % 3 else Review.Recommendation.CONDITIONAL,
                    assigned_by=self.staff, assigned_at=self.now - timedelta(days=25),
                    submitted_at=None if draft else self.now - timedelta(days=2)))
        reviews = Review.objects.bulk_create(reviews, batch_size=5000)
        scores = []
        for index, review in enumerate(reviews):
            quality = (index // n) % 4  # applications differ; reviewers a little too
            for criterion in criteria:
                value = max(criterion.scale_min, min(criterion.scale_max, quality + self.rng.randint(0, 2)))
                scores.append(Score(review=review, criterion=criterion, value=value,
                                    comment=SENTENCES[(index + criterion.order) % len(SENTENCES)]))
        Score.objects.bulk_create(scores, batch_size=5000)

    # --- transition ------------------------------------------------------------------------------

    def _transition(self):
        from transition.deadlines import records_ensure

        records_ensure()
        policy = _transition_policy(self.now)
        State = TransitionRequest.State
        states = [s for s, _ in State.choices]
        by_prefecture = {r.prefecture_id: o for r, o in zip(self.regions, self.organisations, strict=True)
                         if r.kind == Region.Kind.PREFECTURE}
        requests = list(TransitionRequest.objects.select_related("lab__region").order_by("pk"))
        events = []
        for i, transition_request in enumerate(requests):
            state = states[i % len(states)]
            month = i % 12
            transition_request.state = state
            transition_request.organisation = None if state == State.NOT_STARTED else by_prefecture.get(
                transition_request.lab.region.prefecture_id)
            transition_request.changes_statement = "" if state == State.NOT_STARTED else SENTENCES[i % len(SENTENCES)]
            transition_request.started_at = None if state == State.NOT_STARTED else self.now - timedelta(days=300)
            submitted = state not in (State.NOT_STARTED, State.DRAFT, State.DECLINED)
            transition_request.submitted_at = self.now - timedelta(days=30 * month + 20) if submitted else None
            decided = state in (State.APPROVED, State.REJECTED, State.RETURNED)
            transition_request.decided_at = self.now - timedelta(days=30 * month) if decided else None
            transition_request.decided_by = self.staff if decided else None
            transition_request.procedure = policy.procedure if submitted else ""
            transition_request.policy = policy if submitted else None
            if state != State.NOT_STARTED:
                events.append(TransitionEvent(request=transition_request, from_state=State.NOT_STARTED, to_state=state,
                                              actor=TransitionEvent.Actor.STAFF, created_at=self.now))
        TransitionRequest.objects.bulk_update(requests, [
            "state", "organisation", "changes_statement", "started_at", "submitted_at", "decided_at",
            "decided_by", "procedure", "policy"])
        TransitionEvent.objects.bulk_create(events)

    # --- outbox ----------------------------------------------------------------------------------

    def _outbox(self):
        from labportal.services import Recipient, render_mail

        subject, body = render_mail("applications_submitted", {
            "organisation_name": "（団体名）", "lab_name": "（ラボ名）", "round_name": str(self.review_round),
            "closes_at": self.review_round.closes_at.isoformat(), "receipt_number": "DX-0000-00-0000",
            "state": "提出済", "url": settings.SITE_URL, "submitted_at": self.now.isoformat(), "version": 1,
            "resubmission": False, "recipient": Recipient(email="x@example.jp").as_context()})
        sent = self.now - timedelta(days=1)
        rows = []
        for i in range(self.p.outbox):
            user = self.applicants[i % len(self.applicants)]
            key = f"{SEED_OUTBOX_PREFIX}{i}"
            rows.append(OutboxMail(
                event="applications_submitted", recipients=[user.email], recipient_user=user,
                context={"seed": i}, subject=subject, body=body, state=OutboxMail.State.SENT, attempts=1,
                dedup_key=key, message_id=f"<bench-{i}.outbox@{DOMAIN}>",
                created_at=self.now - timedelta(minutes=5 * i), claimed_at=sent, handed_over_at=sent,
                sent_at=sent))
        OutboxMail.objects.bulk_create(rows, batch_size=5000)


def _municipality_prefix(prefecture: Prefecture) -> str:
    return f"{prefecture.name}ベンチ"
