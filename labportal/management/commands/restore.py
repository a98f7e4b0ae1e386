"""`manage.py restore FILE` (make restore BACKUP=FILE): a backup back into the database and MEDIA_ROOT."""

from pathlib import Path

from django.core.management import BaseCommand, CommandError

from labportal.backup import BackupError, backup_restore, database_settings, read_manifest


class Command(BaseCommand):
    help = ("バックアップ（make backup のファイル）をデータベースと MEDIA_ROOT に復元します。データベースの"
            "既存の内容は置き換えられます。 / Restore a backup into the database and MEDIA_ROOT, replacing "
            "what the database holds.")

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path, help="バックアップのファイル / the backup file")
        parser.add_argument("--database-url", default=None,
                            help="復元先（既定: DATABASE_URL） / target database (default: DATABASE_URL)")
        parser.add_argument("--media-root", type=Path, default=None,
                            help="ファイルの復元先（既定: MEDIA_ROOT） / where the files go (default: MEDIA_ROOT)")
        parser.add_argument("--create-database", action="store_true",
                            help="復元先のデータベースがなければ作成する / create the target database if missing")
        parser.add_argument("--no-input", action="store_false", dest="interactive",
                            help="確認しない / do not ask for confirmation")

    def handle(self, *args, backup, database_url=None, media_root=None, create_database=False, interactive=True,
               **options):
        try:
            manifest = read_manifest(backup)
            target = database_settings(database_url)["NAME"]
            if interactive:
                answer = input(
                    f"データベース {target} の内容を、{manifest['created_at']} のバックアップ（{manifest['database']}）"
                    f"で置き換えます。よろしいですか？ / Replace the contents of database {target} with this "
                    "backup? [yes/no]: ")
                if answer.strip().lower() not in ("yes", "y", "はい"):
                    raise CommandError("中止しました / cancelled")
            result = backup_restore(path=backup, database_url=database_url, media_root=media_root,
                                    create_database=create_database)
        except BackupError as error:
            raise CommandError(str(error)) from error
        counts = result.counts
        self.stdout.write(self.style.SUCCESS(
            f"復元しました / Restored: {backup} → データベース / database {result.database}, "
            f"ファイル / files {result.media_files} 件"))
        self.stdout.write(
            f"  申請 {counts['applications.Application']} 件、審査 {counts['review.Review']} 件、"
            f"添付書類 {counts['applications.Attachment']} 件 / applications, reviews, attachments")
        if result.differences:
            for label, (before, after) in result.differences.items():
                self.stderr.write(self.style.WARNING(
                    f"  件数が違います / count differs: {label}: バックアップ / backup {before}, 復元後 / now {after}"))
            raise CommandError("復元後の件数がバックアップと一致しません / counts differ from the backup")
        self.stdout.write("  件数はすべてバックアップと一致しました / every count matches the backup")
        self.stdout.write("  Web と Celery を再起動してください / restart the web server and the Celery workers")
