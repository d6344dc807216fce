"""The database result store (`blobs`) on each database: deletes by prefix, and migration
0004, which moved stored images' bytes there from job_images and job_inputs."""

from __future__ import annotations

from datetime import timedelta

from alembic import command
from sqlalchemy import text

from pixmill.accounts.db import Database, alembic_config
from pixmill.accounts.keys import KeyStore
from pixmill.jobs.blobs import DatabaseBlobStore
from pixmill.jobs.store import JobStore, StoredImage, input_key, result_key


def test_a_prefix_deletes_exactly_the_keys_under_it(database_url):
    """Keys that sort near the prefix under a language's collation (punctuation ignored)
    stay: the range is bytewise on both databases."""
    db = Database(database_url)
    try:
        db.upgrade()
        blobs = DatabaseBlobStore(db)
        keys = [
            "jobs/req_1/results/0", "jobs/req_1/inputs/1", "jobs/req_10/results/0",
            "jobs/req_1-/results/0", "jobs/req_1.x", "jobs/req_1", "jobs/req_0/results/0",
            "jobs/req_1results/0", "jobs/REQ_1/results/0",
        ]  # fmt: skip
        blobs.put({key: key.encode() for key in keys})
        blobs.put({"jobs/req_1/results/0": b"again"})  # a key written again is replaced
        assert blobs.get(["jobs/req_1/results/0", "nothing"]) == {"jobs/req_1/results/0": b"again"}
        blobs.delete_under("jobs/req_1/")
        assert sorted(blobs.get(keys)) == sorted(keys[2:])
        blobs.delete(["jobs/req_10/results/0", "nothing"])
        assert sorted(blobs.get(keys)) == sorted(keys[3:])
        if not db.is_sqlite:  # this server's default collation is bytewise: say it is ours
            with db.read() as connection:
                collation = connection.scalar(
                    text(
                        "SELECT collation_name FROM information_schema.columns WHERE "
                        "table_schema = current_schema() AND table_name = 'blobs' "
                        "AND column_name = 'key'"
                    )
                )
            assert collation == "C"
    finally:
        db.dispose()


def migrate(db: Database, revision: str, *, down: bool = False) -> None:
    with db.engine.connect() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)
        connection.commit()


def test_stored_bytes_move_to_blobs_and_back(database_url):
    db = Database(database_url)
    try:
        migrate(db, "0003")
        keys = KeyStore(db)
        key = keys.create_key(keys.create_account("a", 0), "k").key
        with db.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO jobs (id, account_id, key_id, model, queue, form, status, "
                    "request, spec, progress, cancel_requested, created_at, result_bytes) "
                    "VALUES ('req_9', :account, :key, 'm', 'q', 'async', 'COMPLETED', '{}', "
                    "'{}', 1.0, false, CURRENT_TIMESTAMP, 6)"
                ),
                {"account": key.account_id, "key": key.id},
            )
            for index, data in enumerate((b"first", b"second")):
                connection.execute(
                    text(
                        'INSERT INTO job_images (job_id, "index", media_type, seed, data) '
                        "VALUES ('req_9', :index, 'image/png', 3, :data)"
                    ),
                    {"index": index, "data": data},
                )
            connection.execute(
                text(
                    'INSERT INTO job_inputs (job_id, "index", role, format, width, height, '
                    "has_alpha, param, data) VALUES ('req_9', 0, 'image', 'png', 2, 2, false, "
                    "'image', :data)"
                ),
                {"data": b"input"},
            )

        migrate(db, "head")
        store = JobStore(db, retention=timedelta(seconds=60), account_cap_bytes=1 << 20)
        assert store.images("req_9") == [
            StoredImage(0, "image/png", 3, b"first"),
            StoredImage(1, "image/png", 3, b"second"),
        ]
        assert [image.data for image in store.inputs("req_9")[0]] == [b"input"]
        assert store.blobs.get([result_key("req_9", 1), input_key("req_9", 0)]) == {
            "jobs/req_9/results/1": b"second",
            "jobs/req_9/inputs/0": b"input",
        }

        migrate(db, "0003", down=True)
        with db.read() as connection:
            back = connection.execute(
                text('SELECT "index", data FROM job_images ORDER BY "index"')
            ).all()
            assert [(row[0], bytes(row[1])) for row in back] == [(0, b"first"), (1, b"second")]
            assert bytes(connection.scalar(text("SELECT data FROM job_inputs"))) == b"input"
    finally:
        db.dispose()
