"""Backup and restore of the portal's data: the PostgreSQL database and the uploaded files.

One backup is one file, `labportal-<YYYYmmdd-HHMMSS>.tar`, holding

    manifest.json   what it holds: when, from which database, the row counts to compare after a
                    restore, the SHA-256 of the dump, the stored files the database names;
    database.dump   `pg_dump --format=custom` of the database (restored with pg_restore);
    media/…         every file under MEDIA_ROOT (attachments are files, not rows).

The dump is taken from an exported snapshot, and the list of files the database names is read in
that same snapshot: a file the dump needs but that was deleted before it was copied (an applicant
removing an attachment at that very moment) is reported, never silently missing.

`manage.py backup` and `manage.py restore` (make backup / make restore) call these.
"""

import datetime
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone

FORMAT = "labportal-backup/1"
MEDIA_PREFIX = "media/"
# The rows compared after a restore: what an applicant, a reviewer and the secretariat would miss.
COUNTED = ["labportal.User", "labportal.Lab", "labportal.SelectionRound", "labportal.OutboxMail",
           "applications.Organisation", "applications.Application", "applications.ApplicationVersion",
           "applications.Attachment", "review.Review", "review.Score", "review.Decision",
           "transition.TransitionRequest"]


class BackupError(Exception):
    """Said to the operator as is (Japanese / English)."""


@dataclass
class BackupResult:
    path: Path
    manifest: dict


@dataclass
class RestoreResult:
    database: str
    manifest: dict
    counts: dict
    media_files: int
    differences: dict = field(default_factory=dict)  # model: (in the backup, after the restore)


# --- PostgreSQL -------------------------------------------------------------------------------------

def database_settings(url: str | None = None) -> dict:
    """The DATABASES entry of `url` (a DATABASE_URL), or the default connection's."""
    if url:
        import environ

        return environ.Env.db_url_config(url)
    return settings.DATABASES["default"]


def _require_postgres(db: dict) -> None:
    if "postgresql" not in db["ENGINE"]:
        raise BackupError(
            f"バックアップと復元は PostgreSQL のデータベースだけが対象です（現在: {db['ENGINE']}）。"
            "DATABASE_URL を設定してください。 / Backup and restore work on PostgreSQL only: set DATABASE_URL.")


def _libpq_env(db: dict, name: str | None = None) -> dict:
    """pg_dump's and pg_restore's connection, in libpq's variables (no password on a command line)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    values = {"PGHOST": db.get("HOST") or "127.0.0.1", "PGPORT": str(db.get("PORT") or 5432),
              "PGUSER": db.get("USER") or "postgres", "PGPASSWORD": db.get("PASSWORD") or "",
              "PGDATABASE": name or db["NAME"]}
    env.update({k: v for k, v in values.items() if v})
    return env


def _connect(db: dict, name: str | None = None):
    import psycopg2

    return psycopg2.connect(host=db.get("HOST") or "127.0.0.1", port=db.get("PORT") or 5432,
                            user=db.get("USER") or "postgres", password=db.get("PASSWORD") or None,
                            dbname=name or db["NAME"])


def _run(command: list[str], env: dict, what: str) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} が見つかりません（apt-get install postgresql-client）。 / "
                          f"{command[0]} not found (apt-get install postgresql-client).")
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{what}に失敗しました / {what} failed ({result.returncode}):\n{result.stderr.strip()}")


def _file_columns() -> list[tuple[str, str]]:
    """(table, column) of every FileField: the files the database names."""
    return [(model._meta.db_table, f.column) for model in apps.get_models() for f in model._meta.concrete_fields
            if isinstance(f, models.FileField)]


def row_counts(cursor) -> dict[str, int]:
    counts = {}
    for label in COUNTED:
        model = apps.get_model(label)
        cursor.execute(f'SELECT count(*) FROM "{model._meta.db_table}"')
        counts[label] = cursor.fetchone()[0]
    return counts


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- Backup -----------------------------------------------------------------------------------------

def backup_create(*, output_dir: Path, database_url: str | None = None, media_root: Path | None = None,
                  now: datetime.datetime | None = None) -> BackupResult:
    """Write one backup file into `output_dir` (created if missing) and return it with its manifest.

    Guarantees: the file appears only when complete (written as .part, then renamed); the dump and
    the list of files it names come from one snapshot; files named but missing on disk are listed
    in the manifest (`missing_files`) and in the result, not skipped in silence."""
    db = database_settings(database_url)
    _require_postgres(db)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    now = now or timezone.now()
    path = output_dir / f"labportal-{timezone.localtime(now):%Y%m%d-%H%M%S}.tar"
    if path.exists():
        raise BackupError(f"{path} は既にあります / already exists")
    with tempfile.TemporaryDirectory(dir=output_dir, prefix=".backup-") as work:
        dump = Path(work) / "database.dump"
        connection = _connect(db)
        try:
            connection.set_session(isolation_level="REPEATABLE READ", readonly=True)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
                snapshot, server_version = cursor.fetchone()
                # pg_dump sees exactly what this transaction sees, while it stays open.
                _run(["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={dump}"],
                     _libpq_env(db), "pg_dump")
                counts = row_counts(cursor)
                named = set()
                for table, column in _file_columns():
                    cursor.execute(f'SELECT "{column}" FROM "{table}" WHERE "{column}" <> \'\'')
                    named.update(name for (name,) in cursor.fetchall())
        finally:
            connection.close()
        files = sorted(p for p in media_root.rglob("*") if p.is_file()) if media_root.is_dir() else []
        present = {p.relative_to(media_root).as_posix() for p in files}
        manifest = {
            "format": FORMAT, "created_at": now.isoformat(), "database": db["NAME"],
            "server_version": server_version, "database_dump_bytes": dump.stat().st_size,
            "database_dump_sha256": _sha256(dump), "counts": counts, "media_files": len(files),
            "media_bytes": sum(p.stat().st_size for p in files), "files_named_by_database": len(named),
            "missing_files": sorted(named - present),
        }
        manifest_path = Path(work) / "manifest.json"
        manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")
        partial = path.with_name(path.name + ".part")
        with tarfile.open(partial, "w") as tar:
            tar.add(manifest_path, "manifest.json")
            tar.add(dump, "database.dump")
            for file in files:
                tar.add(file, MEDIA_PREFIX + file.relative_to(media_root).as_posix(), recursive=False)
        os.replace(partial, path)
    return BackupResult(path, manifest)


# --- Restore ----------------------------------------------------------------------------------------

def read_manifest(path: Path) -> dict:
    try:
        with tarfile.open(path) as tar:
            manifest = json.load(tar.extractfile("manifest.json"))
    except (OSError, KeyError, tarfile.TarError, ValueError) as error:
        raise BackupError(f"{path} はバックアップとして読めません / is not a readable backup: {error}") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: 未対応の形式です / unsupported format {manifest.get('format')!r}")
    return manifest


def _create_database(db: dict) -> bool:
    """Create the target database if missing; True if it was created."""
    from psycopg2 import sql

    connection = _connect(db, "postgres")
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
            if cursor.fetchone():
                return False
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
            return True
    finally:
        connection.close()


def backup_restore(*, path: Path, database_url: str | None = None, media_root: Path | None = None,
                   create_database: bool = False) -> RestoreResult:
    """Restore the backup at `path` into the database (the default one, or `database_url`) and
    `media_root` (default MEDIA_ROOT).

    Guarantees: the dump's checksum is verified before anything is touched; pg_restore runs with
    --clean --if-exists in a single transaction, so the database holds either the backup's data
    or, on an error, what it held before. Tables the backup does not know (from newer migrations)
    are left alone. Files are written under `media_root` only (no path leaves it); files there that
    the backup does not hold are kept. The row counts after the restore are compared with the
    backup's (`differences`, empty when all match)."""
    path = Path(path)
    manifest = read_manifest(path)
    db = database_settings(database_url)
    _require_postgres(db)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="labportal-restore-") as work:
        with tarfile.open(path) as tar:
            tar.extract("database.dump", work, filter="data")
            dump = Path(work) / "database.dump"
            if _sha256(dump) != manifest["database_dump_sha256"]:
                raise BackupError(f"{path}: データベースのダンプが壊れています（SHA-256 不一致） / "
                                  "the database dump is corrupt (SHA-256 mismatch)")
            if create_database:
                _create_database(db)
            _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
                  "--exit-on-error", f"--dbname={db['NAME']}", str(dump)], _libpq_env(db), "pg_restore")
            media_root.mkdir(parents=True, exist_ok=True)
            members = [_under_media_root(member) for member in tar.getmembers()
                       if member.name.startswith(MEDIA_PREFIX)]
            tar.extractall(media_root, members=members, filter="data")
    connection = _connect(db)
    try:
        with connection.cursor() as cursor:
            counts = row_counts(cursor)
    finally:
        connection.close()
    differences = {label: (manifest["counts"].get(label), counts[label]) for label in counts
                   if manifest["counts"].get(label) != counts[label]}
    return RestoreResult(db["NAME"], manifest, counts, len([m for m in members if m.isfile()]), differences)


def _under_media_root(member: tarfile.TarInfo) -> tarfile.TarInfo:
    """The member with the media/ prefix dropped from its name (and a hard link's target)."""
    changes = {"name": member.name[len(MEDIA_PREFIX):]}
    if member.islnk() and member.linkname.startswith(MEDIA_PREFIX):
        changes["linkname"] = member.linkname[len(MEDIA_PREFIX):]
    return member.replace(**changes, deep=False)
