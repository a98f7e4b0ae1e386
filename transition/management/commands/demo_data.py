"""Demo accounts, an open DX round and a round for the clock; passwords printed once, stored nowhere.
Staff and reviewers must use two-factor authentication (labportal/two_factor.py): their demo
accounts get an authenticator secret, printed once beside the password, to add to an app.

It lives in transition, the app at the top of the dependency order (transition uses review and
applications, which use labportal), because the demo world needs every app: from here every
import points down, and labportal names none of the apps."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import BaseCommand
from django.db import transaction
from django.utils import timezone

from labportal.models import Programme, Role, SelectionRound, User
from labportal.two_factor import totp_issue, two_factor_required

DEMO_DOMAIN = "labportal.example"
CLOCK_DEMO_ROUND = 2  # the round the clock opens, reminds about and closes minutes after start-up
DEMO_ACCOUNTS = [
    # (email local part, last name, first name, role, is_staff)
    ("staff", "事務局", "花子", Role.STAFF, True),
    ("reviewer1", "審査", "一郎", Role.REVIEWER, True),
    ("reviewer2", "審査", "二郎", Role.REVIEWER, True),
    ("sapporo", "札幌", "太郎", Role.APPLICANT, False),
    ("aizu", "会津", "次郎", Role.APPLICANT, False),
]


def demo_email(local_part: str) -> str:
    return f"{local_part}@{DEMO_DOMAIN}"


class Command(BaseCommand):
    help = "デモ用アカウントと公募中のDXラボ公募回を作成します（作成済みなら何もしません）。"

    def add_arguments(self, parser):
        parser.add_argument("--reset-passwords", action="store_true",
                            help="デモ用アカウントのパスワード（事務局・審査員は2段階認証のキーも）を新しくして表示します。")

    @transaction.atomic
    def handle(self, *args, reset_passwords=False, **options):
        printed = []
        for local_part, last_name, first_name, role, is_staff in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(
                email=demo_email(local_part),
                defaults={"last_name": last_name, "first_name": first_name, "is_staff": is_staff})
            if created or reset_passwords:
                password = secrets.token_urlsafe(12)
                user.set_password(password)
                user.save()
                user.groups.add(Group.objects.get(name=role))
                secret = totp_issue(user=user) if two_factor_required(user) else ""
                printed.append((role, user.email, password, secret))
        self._demo_round()
        self._clock_demo_round()
        self._demo_organisations()
        self._demo_transition()
        self._demo_review()
        if printed:
            self.stdout.write(self.style.WARNING(
                "デモ用アカウント（パスワードと2段階認証のキーはこの一度だけ表示します。忘れたら make demo-passwords）:"))
            for role, email, password, secret in printed:
                self.stdout.write(f"  {role:<10} {email:<28} {password}"
                                  + (f"  2段階認証のキー: {secret}" if secret else ""))
            if any(secret for *_, secret in printed):
                self.stdout.write("  事務局・審査員は、キーを認証アプリ（Google Authenticator など）に「セットアップキー」"
                                  "として登録し、ログインのときに表示される6桁の確認コードを入力してください。")
        else:
            self.stdout.write("デモ用アカウントは作成済みです（パスワードの再発行: make demo-passwords）。")

    def _clock_demo_round(self):
        """第2弾: opens a minute after the first start-up and closes four minutes later, so that a
        newcomer sees the clock open it, remind the applicants (the 1-day reminder is due at
        once) and close it, with the mails under var/mail/ and in the admin's 送信メール."""
        from labportal.templatetags.jp_dates import jp_datetime

        now = timezone.now()
        selection_round, created = SelectionRound.objects.get_or_create(
            programme=Programme.objects.get(code="dx"), number=CLOCK_DEMO_ROUND,
            defaults={"opens_at": now + timedelta(minutes=1), "closes_at": now + timedelta(minutes=5),
                      "state": SelectionRound.State.PREPARING,
                      "notes": "期限処理（時計）のデモ用の公募回です。起動の数分後に公募開始・締切となります。"})
        if created:
            self.stdout.write(self.style.SUCCESS(
                f"デモ用の{selection_round.label}: {jp_datetime(selection_round.opens_at)}に公募開始、"
                f"{jp_datetime(selection_round.closes_at)}に締切（{settings.CLOCK_SWEEP_SECONDS}秒ごとの"
                "巡回で処理し、事務局への通知と申請者へのリマインダーを送ります）。"))

    def _demo_round(self):
        now = timezone.now()
        SelectionRound.objects.get_or_create(
            programme=Programme.objects.get(code="dx"), number=1,
            defaults={"opens_at": now - timedelta(days=1), "closes_at": now + timedelta(days=30),
                      "state": SelectionRound.State.OPEN, "notes": "デモ用の公募回です。"})

    def _demo_organisations(self):
        """札幌市 and 会津若松市 as the two demo applicants' organisations, and a draft of 札幌市's
        application in the open round (applications app)."""
        from applications import services as application_services
        from applications.models import Application, Membership, Organisation
        from labportal.models import Region

        for local_part, name in (("sapporo", "札幌市"), ("aizu", "会津若松市")):
            user = User.objects.get(email=demo_email(local_part))
            organisation, created = Organisation.objects.get_or_create(
                name=name, defaults={"kind": Organisation.Kind.MUNICIPALITY,
                                     "status": Organisation.Status.CONFIRMED, "confirmed_at": timezone.now(),
                                     "created_by": user, "department": "デモ用の部署"})
            if created:
                organisation.regions.set(Region.objects.filter(name=name, kind=Region.Kind.MUNICIPALITY))
            Membership.objects.get_or_create(user=user, organisation=organisation, defaults={
                "role": Membership.Role.ADMIN, "state": Membership.State.ACTIVE, "approved_at": timezone.now()})
        sapporo = Organisation.objects.get(name="札幌市")
        selection_round = SelectionRound.objects.get(programme__code="dx", number=1)
        if selection_round.is_accepting() and not Application.objects.filter(organisation=sapporo).exists():
            application = application_services.application_create(
                organisation=sapporo, selection_round=selection_round,
                user=User.objects.get(email=demo_email("sapporo")))
            basic = application.basic
            basic.lab_name = "札幌市地域DX推進ラボ（デモ）"
            basic.implementing_body = "札幌市DX推進協議会"
            basic.contact_name = "札幌 太郎"
            basic.contact_kana = "サッポロ タロウ"
            basic.save()

    def _demo_transition(self):
        """A transition policy whose period has started (3 years, 計画変更手続きの提出のみ), and the IoT
        lab of 会津若松市 linked to the demo organisation, so that aizu@labportal.example can
        submit its plan change and staff can accept it (transition app, issue 6)."""
        import datetime

        from applications.models import Organisation
        from labportal.models import Lab
        from transition import services as transition_services
        from transition.models import TransitionPolicy, TransitionRequest, add_years

        if not TransitionPolicy.objects.exists():
            today = timezone.localdate()
            starts_on = today - datetime.timedelta(days=30)
            transition_services.policy_save(policy=TransitionPolicy(
                name="地方版IoT推進ラボからの移行方針（デモ）", effective_from=timezone.now() - timedelta(days=30),
                iot_call_stops_on=starts_on - datetime.timedelta(days=1), dx_call_opens_on=starts_on,
                period_starts_on=starts_on, period_ends_on=add_years(starts_on, 3) - datetime.timedelta(days=1),
                procedure=TransitionPolicy.Procedure.PLAN_CHANGE, end_state=TransitionPolicy.EndState.ABOLISH,
                notes="デモ用の移行方針です。"))
        lab = Lab.objects.get(programme__code="iot", name="会津若松市")
        transition_request, _ = TransitionRequest.objects.get_or_create(lab=lab)
        if transition_request.organisation_id is None:
            transition_services.request_link_organisation(
                transition_request=transition_request, organisation=Organisation.objects.get(name="会津若松市"),
                by=User.objects.get(email=demo_email("staff")))

    def _demo_review(self):
        """Review settings for the demo DX rounds (2 reviewers each, due 14 days after closing),
        and both demo reviewers assigned to each demo application once it is submitted — after
        札幌市's draft is submitted, the next `make run` assigns them (review app, issue 5)."""
        from review import selectors as review_selectors
        from review import services as review_services
        from review.models import Review

        staff = User.objects.get(email=demo_email("staff"))
        reviewers = [User.objects.get(email=demo_email(name)) for name in ("reviewer1", "reviewer2")]
        for selection_round in SelectionRound.objects.filter(programme__code="dx", number__in=[1, CLOCK_DEMO_ROUND]):
            round_settings = review_services.round_settings_ensure(selection_round=selection_round, by=staff)
            if round_settings.review_due_at is None:
                round_settings.review_due_at = (selection_round.closes_at or timezone.now()) + timedelta(days=14)
                round_settings.reviewers_per_application = 2
                round_settings.save()
            applications = review_selectors.reviewable_applications(selection_round).filter(
                organisation__name__in=["札幌市", "会津若松市"])
            assigned = set(Review.objects.filter(application__in=applications)
                           .values_list("application_id", "reviewer_id"))
            pairs = [(application, reviewer) for application in applications for reviewer in reviewers
                     if (application.pk, reviewer.pk) not in assigned]
            if pairs:
                result = review_services.reviews_assign(selection_round=selection_round, pairs=pairs, by=staff)
                if result.created:
                    self.stdout.write(self.style.SUCCESS(
                        f"デモ用の審査員に{len(result.created)}件の審査を割り当てました（管理画面の「担当する審査」）。"))
