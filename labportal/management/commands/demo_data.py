"""Demo accounts and an open DX round, created once; passwords are printed once and stored nowhere."""

import secrets
from datetime import timedelta

from django.contrib.auth.models import Group
from django.core.management import BaseCommand
from django.db import transaction
from django.utils import timezone

from labportal.models import Programme, Role, SelectionRound, User

DEMO_DOMAIN = "labportal.example"
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
                            help="デモ用アカウントのパスワードを新しくして表示します。")

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
                printed.append((role, user.email, password))
        self._demo_round()
        if printed:
            self.stdout.write(self.style.WARNING(
                "デモ用アカウント（パスワードはこの一度だけ表示します。忘れたら make demo-passwords）:"))
            for role, email, password in printed:
                self.stdout.write(f"  {role:<10} {email:<28} {password}")
        else:
            self.stdout.write("デモ用アカウントは作成済みです（パスワードの再発行: make demo-passwords）。")

    def _demo_round(self):
        now = timezone.now()
        SelectionRound.objects.get_or_create(
            programme=Programme.objects.get(code="dx"), number=1,
            defaults={"opens_at": now - timedelta(days=1), "closes_at": now + timedelta(days=30),
                      "state": SelectionRound.State.OPEN, "notes": "デモ用の公募回です。"})
