"""make backup / make restore on the real thing: pg_dump of the test database and its uploaded
files, restored with pg_restore into a fresh database and a fresh media directory."""

import importlib

import psycopg2
import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from psycopg2 import sql

from applications.models import Application, Attachment
from review.models import Review, Score
from tests.factories import ReviewerFactory, make_application, make_review_round, submitted_review

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SCORES = [3, 4, 2, 3, 4, None]


@pytest.fixture
def register_rows(register):
    """The register and the criteria (data migrations' rows, idempotent): an earlier transactional
    test's flush may have removed them."""
    for module in ("labportal.migrations.0002_seed_register", "review.migrations.0002_seed_criteria"):
        importlib.import_module(module).load(apps, None)


@pytest.fixture
def restored_database():
    """A database name that does not exist yet; dropped after the test."""
    db = connection.settings_dict
    name = f"{db['NAME']}_restored"
    admin = psycopg2.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
                             password=db["PASSWORD"] or None, dbname="postgres")
    admin.autocommit = True

    def drop():
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    drop()
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    yield name, f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
    drop()
    admin.close()


def _rows(database_url_name, query):
    db = connection.settings_dict
    with psycopg2.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
                          password=db["PASSWORD"] or None, dbname=database_url_name) as restored:
        with restored.cursor() as cursor:
            cursor.execute(query)
            return sorted(cursor.fetchall())


def test_backup_restored_into_a_fresh_database_has_every_application_review_and_attachment(
        register_rows, restored_database, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    selection_round = make_review_round()
    reviewers = [ReviewerFactory(), ReviewerFactory()]
    contents = {}
    for index in range(3):
        application = make_application(selection_round)
        for reviewer in reviewers:
            submitted_review(application, reviewer, SCORES)
        for kind in ("plan", "budget"):
            attachment = Attachment(application=application, kind=kind, original_name=f"{kind}.pdf",
                                    content_type="application/pdf", extension="pdf", size=0)
            data = b"%PDF-1.4\n" + f"{application.pk}:{kind}:".encode() + bytes(range(256)) * (index + 1)
            attachment.size = len(data)
            attachment.file.save("upload", ContentFile(data), save=True)
            contents[attachment.file.name] = data
    expected = {
        "applications": sorted(Application.objects.values_list("pk", "receipt_number")),
        "reviews": sorted(Review.objects.values_list("pk", "application_id", "reviewer_id", "state")),
        "scores": Score.objects.count(),
        "attachments": sorted(Attachment.objects.values_list("pk", "application_id", "file", "size")),
    }

    call_command("backup", output_dir=tmp_path / "backups")
    (backup,) = (tmp_path / "backups").glob("labportal-*.tar")
    name, url = restored_database
    call_command("restore", backup, database_url=url, media_root=tmp_path / "restored-media",
                 create_database=True, interactive=False)

    restored = {
        "applications": _rows(name, "SELECT id, receipt_number FROM applications_application"),
        "reviews": _rows(name, "SELECT id, application_id, reviewer_id, state FROM review_review"),
        "scores": _rows(name, "SELECT count(*) FROM review_score")[0][0],
        "attachments": _rows(name, "SELECT id, application_id, file, size FROM applications_attachment"),
    }
    restored_bytes = {file: (tmp_path / "restored-media" / file).read_bytes() for _, _, file, _ in
                      restored["attachments"]}
    assert (restored, restored_bytes) == (expected, contents)
