"""Rewrite the README's state-machine tables from the code (labportal.state_machine)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from labportal import state_machine


class Command(BaseCommand):
    help = "README.md の状態遷移表を、コードの表（labportal.state_machine）から書き直します。"

    def handle(self, *args, **options):
        readme = Path(settings.BASE_DIR) / "README.md"
        text = readme.read_text(encoding="utf-8")
        rewritten = state_machine.readme_rewrite(text)
        if rewritten != text:
            readme.write_text(rewritten, encoding="utf-8")
            self.stdout.write("README.md の状態遷移表を書き直しました。")
        else:
            self.stdout.write("README.md の状態遷移表はコードと一致しています。")
