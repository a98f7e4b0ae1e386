"""`manage.py backup` (make backup): the database and the uploaded files in one file (labportal.backup)."""

import os
from pathlib import Path

from django.conf import settings
from django.core.management import BaseCommand, CommandError

from labportal.backup import BackupError, backup_create


class Command(BaseCommand):
    help = ("データベース（pg_dump）とアップロードされたファイル（MEDIA_ROOT）を1つのファイルにバックアップします。"
            " / Back up the database (pg_dump) and the uploaded files (MEDIA_ROOT) into one file.")

    def add_arguments(self, parser):
        parser.add_argument("--output-dir", type=Path, default=None,
                            help="保存先（既定: 環境変数 BACKUP_DIR、なければ var/backups/） / where to write "
                                 "(default: BACKUP_DIR, else var/backups/)")
        parser.add_argument("--database-url", default=None, help="既定: DATABASE_URL / default: DATABASE_URL")
        parser.add_argument("--media-root", type=Path, default=None, help="既定: MEDIA_ROOT / default: MEDIA_ROOT")

    def handle(self, *args, output_dir=None, database_url=None, media_root=None, **options):
        output_dir = output_dir or Path(os.environ.get("BACKUP_DIR") or settings.VAR_DIR / "backups")
        try:
            result = backup_create(output_dir=output_dir, database_url=database_url, media_root=media_root)
        except BackupError as error:
            raise CommandError(str(error)) from error
        m = result.manifest
        counts = m["counts"]
        self.stdout.write(self.style.SUCCESS(f"バックアップを作成しました / Backup written: {result.path}"))
        self.stdout.write(
            f"  データベース / database {m['database']}: {m['database_dump_bytes'] / 1e6:.1f} MB "
            f"（申請 {counts['applications.Application']} 件、審査 {counts['review.Review']} 件、"
            f"添付書類 {counts['applications.Attachment']} 件 / applications, reviews, attachments）")
        self.stdout.write(f"  ファイル / files (MEDIA_ROOT): {m['media_files']} 件, {m['media_bytes'] / 1e6:.1f} MB")
        if m["missing_files"]:
            self.stderr.write(self.style.WARNING(
                f"  データベースにあるがディスクにないファイル / files named by the database but missing on disk: "
                f"{len(m['missing_files'])}（manifest.json の missing_files）"))
        self.stdout.write(f"  復元 / restore: make restore BACKUP={result.path}")
