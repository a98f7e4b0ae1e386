"""Run the clock's sweep once, now, in this process (beat normally sends it to a worker)."""

from django.core.management import BaseCommand

from labportal import clock


class Command(BaseCommand):
    help = "期限処理の巡回を今すぐ1回実行します（通常は Celery beat が定期的に実行します）。"

    def handle(self, *args, **options):
        report = clock.sweep()
        if report is None:
            self.stdout.write(self.style.WARNING("別の巡回が実行中のため、実行しませんでした。"))
            return
        for name, count in report.acted.items():
            self.stdout.write(f"  {name}: {count}件")
        for name, error in report.failed.items():
            self.stderr.write(self.style.ERROR(f"  {name}: エラー {error}"))
        if report.failed:
            raise SystemExit(1)
