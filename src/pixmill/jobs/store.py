"""Jobs as the API shows them: who owns each, its status, progress and stored result.

Status moves QUEUED -> PROCESSING -> COMPLETED | FAILED | CANCELLED by conditional
UPDATEs, so two parties (a worker and a cancel, a recovered step and a sweep) can
never both move a job out of the same state.

Images (results, and an edit's inputs) are described by rows here; their bytes are in
the result store (jobs.blobs: the database, or a bucket) under keys made from the job's
id and the image's index, so a step that runs again writes the same keys. A job's row
is written before its bytes and deleted after them: whatever a crash leaves in the
store lies under the prefix of a job that exists, and goes when that job is purged.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from pixmill.accounts.db import Database
from pixmill.accounts.tables import utcnow
from pixmill.errors import InvalidRequest, NotFound
from pixmill.jobs.blobs import BlobStore, DatabaseBlobStore
from pixmill.jobs.tables import JobImage, JobInput, JobRecord
from pixmill.request import InputImage

log = logging.getLogger(__name__)

QUEUED, PROCESSING, COMPLETED, FAILED, CANCELLED = (
    "QUEUED",
    "PROCESSING",
    "COMPLETED",
    "FAILED",
    "CANCELLED",
)
FINAL = frozenset({COMPLETED, FAILED, CANCELLED})


@dataclass(frozen=True)
class Job:
    """A job's row, without its images."""

    id: str
    account_id: str
    key_id: str
    model: str
    queue: str
    form: str
    status: str
    request: dict[str, Any]
    spec: dict[str, Any]
    progress: float
    cancel_requested: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    expires_at: datetime | None
    error: dict[str, Any] | None
    result: dict[str, Any] | None
    webhook_url: str | None
    base_url: str | None
    caller: str | None

    @property
    def final(self) -> bool:
        return self.status in FINAL

    @property
    def ready(self) -> bool:
        """Rendered and waiting for its caller's process to take it (the hand-off): a
        sync or streamed job shows PROCESSING, progress 1, until then."""
        return self.status == PROCESSING and self.result is not None

    @classmethod
    def of(cls, row: JobRecord) -> Job:
        return cls(**{name: getattr(row, name) for name in cls.__dataclass_fields__})


_JOB_COLUMNS = [getattr(JobRecord, name) for name in Job.__dataclass_fields__]


@dataclass(frozen=True)
class StoredImage:
    index: int
    media_type: str
    seed: int
    data: bytes


class ResultTooLarge(Exception):
    """The account's stored results would pass its size cap."""


class ResultGone(NotFound):
    """A result whose bytes are no longer in the store: it answers as an expired one."""

    def __init__(self) -> None:
        super().__init__("The request's result has expired.", param="request_id")


def _result_blobs(job_id: str, images: Sequence[StoredImage]) -> dict[str, bytes]:
    return {result_key(job_id, image.index): image.data for image in images}


def job_prefix(job_id: str) -> str:
    """Every stored image of the job has a key under this."""
    return f"jobs/{job_id}/"


def result_key(job_id: str, index: int) -> str:
    return f"{job_prefix(job_id)}results/{index}"


def input_key(job_id: str, index: int) -> str:
    return f"{job_prefix(job_id)}inputs/{index}"


class JobStore:
    def __init__(
        self,
        db: Database,
        *,
        retention: timedelta,
        account_cap_bytes: int,
        blobs: BlobStore | None = None,
    ):
        self.db = db
        self.retention = retention
        self.account_cap_bytes = account_cap_bytes
        self.blobs: BlobStore = blobs if blobs is not None else DatabaseBlobStore(db)

    def create(self, **job: Any) -> Job:
        """Store a new job (see `create_in` for its fields); an edit's images and mask are
        described in `job_inputs`, and their bytes go to the result store once the
        job's row is there. The job engine's enqueue, a durable commit, follows."""
        inputs: Sequence[InputImage] = job.pop("inputs", ())
        mask: InputImage | None = job.pop("mask", None)
        roles = [("image", image) for image in inputs]
        roles += [("mask", mask)] if mask is not None else []
        with self.db.begin(durable=False) as connection:
            created = self.create_in(connection, **job)
            if roles:
                connection.execute(
                    insert(JobInput),
                    [
                        {
                            "job_id": created.id,
                            "index": index,
                            "role": role,
                            "format": image.format,
                            "width": image.width,
                            "height": image.height,
                            "has_alpha": image.has_alpha,
                            "param": image.param,
                        }
                        for index, (role, image) in enumerate(roles)
                    ],
                )
        # A failure here leaves a job that is never queued: the submit ends it FAILED,
        # and its purge deletes whatever was stored.
        self.blobs.put(
            {input_key(created.id, index): image.data for index, (_, image) in enumerate(roles)}
        )
        return created

    def create_in(
        self,
        connection: Connection,
        *,
        job_id: str,
        account_id: str,
        key_id: str,
        model: str,
        queue: str,
        form: str,
        request: dict[str, Any],
        spec: dict[str, Any],
        webhook_url: str | None,
        base_url: str | None,
        caller: str | None = None,
        running: bool = False,
    ) -> Job:
        """A new job's row, in the caller's transaction: QUEUED, or PROCESSING when it
        starts at once (`running`)."""
        row = connection.execute(
            insert(JobRecord)
            .values(
                id=job_id,
                account_id=account_id,
                key_id=key_id,
                model=model,
                queue=queue,
                form=form,
                status=PROCESSING if running else QUEUED,
                started_at=utcnow() if running else None,
                request=request,
                spec=spec,
                progress=0.0,
                cancel_requested=False,
                result_bytes=0,
                webhook_url=webhook_url,
                base_url=base_url,
                caller=caller,
            )
            .returning(*_JOB_COLUMNS)
        ).one()
        return Job(**row._mapping)

    def get(self, job_id: str, account_id: str | None = None) -> Job | None:
        """The job; with `account_id`, only when that account owns it."""
        with self.db.transaction() as session:
            row = session.get(JobRecord, job_id)
            if row is None or (account_id is not None and row.account_id != account_id):
                return None
            if row.expires_at is not None and row.expires_at <= utcnow():
                return None
            return Job.of(row)

    def list(
        self, account_id: str, *, limit: int, before: tuple[datetime, str] | None = None
    ) -> list[Job]:
        """The account's jobs, newest first, after the cursor (created_at, id) if given."""
        query = select(JobRecord).where(
            JobRecord.account_id == account_id,
            (JobRecord.expires_at.is_(None)) | (JobRecord.expires_at > utcnow()),
        )
        if before is not None:
            created, job_id = before
            query = query.where(
                (JobRecord.created_at < created)
                | ((JobRecord.created_at == created) & (JobRecord.id < job_id))
            )
        query = query.order_by(JobRecord.created_at.desc(), JobRecord.id.desc()).limit(limit)
        with self.db.transaction() as session:
            return [Job.of(row) for row in session.scalars(query)]

    def queue_position(self, job: Job) -> int:
        """How many jobs of its queue were submitted before it and still wait (0 = next)."""
        with self.db.read() as connection:
            return int(
                connection.scalar(
                    select(func.count())
                    .select_from(JobRecord)
                    .where(
                        JobRecord.queue == job.queue,
                        JobRecord.status == QUEUED,
                        JobRecord.created_at < job.created_at,
                    )
                )
                or 0
            )

    def waiting_accounts(self, queue: str) -> set[str]:
        """Accounts with jobs waiting on the queue: none, one, or two of them (for more)."""
        with self.db.read() as connection:
            return set(
                connection.scalars(
                    select(JobRecord.account_id)
                    .where(JobRecord.queue == queue, JobRecord.status == QUEUED)
                    .distinct()
                    .limit(2)
                )
            )

    def queued(self, queue: str | None = None) -> int:
        query = select(func.count()).select_from(JobRecord).where(JobRecord.status == QUEUED)
        if queue is not None:
            query = query.where(JobRecord.queue == queue)
        with self.db.read() as connection:
            return int(connection.scalar(query) or 0)

    def start(self, job_id: str) -> bool:
        """QUEUED -> PROCESSING (or PROCESSING again, after a crash); False if it ended."""
        with self.db.begin() as connection:
            moved = connection.execute(
                update(JobRecord)
                .where(JobRecord.id == job_id, JobRecord.status.in_((QUEUED, PROCESSING)))
                .values(status=PROCESSING, started_at=func.coalesce(JobRecord.started_at, utcnow()))
            ).rowcount
        return bool(moved)

    def set_progress(self, job_id: str, progress: float) -> bool:
        """Record progress; True when a cancel was asked for meanwhile."""
        with self.db.begin(durable=False) as connection:
            connection.execute(
                update(JobRecord).where(JobRecord.id == job_id).values(progress=progress)
            )
            return bool(
                connection.scalar(select(JobRecord.cancel_requested).where(JobRecord.id == job_id))
            )

    def cancel_requested(self, job_id: str) -> bool:
        with self.db.read() as connection:
            return bool(
                connection.scalar(select(JobRecord.cancel_requested).where(JobRecord.id == job_id))
            )

    def request_cancel(self, job_id: str) -> str | None:
        """Ask a job to stop. A queued job is cancelled at once; the status after, or None."""
        with self.db.begin() as connection:
            cancelled = connection.execute(
                update(JobRecord)
                .where(JobRecord.id == job_id, JobRecord.status == QUEUED)
                .values(
                    status=CANCELLED,
                    cancel_requested=True,
                    finished_at=utcnow(),
                    expires_at=utcnow() + self.retention,
                )
            ).rowcount
            if cancelled:
                return CANCELLED
            connection.execute(
                update(JobRecord)
                .where(JobRecord.id == job_id, JobRecord.status == PROCESSING)
                .values(cancel_requested=True)
            )
            return connection.scalar(select(JobRecord.status).where(JobRecord.id == job_id))

    def save_images(self, job_id: str, images: Sequence[StoredImage]) -> None:
        """Store a job's images (again, after a crash), within the account's size cap.

        The keys are the job's id and each image's index: a step that runs again writes
        over what it wrote before, and the job's bytes are counted once. In the database
        store, the bytes and their rows go in one transaction; in a bucket, the bytes go
        first."""
        if not self.blobs_in_database:
            with self.db.read() as connection:
                if not self._room_for(connection, job_id, images):
                    return
            self.blobs.put(_result_blobs(job_id, images))
        with self.db.begin(durable=False) as connection:
            stale = self.save_images_in(connection, job_id, images)
        # An earlier run that delivered more images left some the rows no longer name.
        if stale:
            self.blobs.delete(result_key(job_id, index) for index in stale)

    @property
    def blobs_in_database(self) -> bool:
        """Whether images' bytes live in this database, so a transaction can hold them."""
        return isinstance(self.blobs, DatabaseBlobStore) and self.blobs.db is self.db

    def save_images_in(
        self, connection: Connection, job_id: str, images: Sequence[StoredImage]
    ) -> set[int]:
        """`save_images`' rows (and bytes, in the database store) in the caller's
        transaction; the indices of earlier images whose bytes are now stale."""
        if self.blobs_in_database:
            if not self._room_for(connection, job_id, images):
                return set()
            self.blobs.put_in(connection, _result_blobs(job_id, images))
        before = set(connection.scalars(select(JobImage.index).where(JobImage.job_id == job_id)))
        if before:
            connection.execute(delete(JobImage).where(JobImage.job_id == job_id))
        if images:
            connection.execute(
                insert(JobImage),
                [
                    {
                        "job_id": job_id,
                        "index": image.index,
                        "media_type": image.media_type,
                        "seed": image.seed,
                    }
                    for image in images
                ],
            )
        connection.execute(
            update(JobRecord)
            .where(JobRecord.id == job_id)
            .values(result_bytes=sum(len(image.data) for image in images))
        )
        return before - {image.index for image in images}

    def _room_for(self, connection: Connection, job_id: str, images: Sequence[StoredImage]) -> bool:
        """Whether the job exists; ResultTooLarge when its images would pass its
        account's cap (what its other jobs store counts)."""
        size = sum(len(image.data) for image in images)
        row = connection.execute(select(JobRecord.account_id).where(JobRecord.id == job_id)).first()
        if row is None:
            return False
        stored = connection.scalar(
            select(func.coalesce(func.sum(JobRecord.result_bytes), 0)).where(
                JobRecord.account_id == row.account_id, JobRecord.id != job_id
            )
        )
        if int(stored or 0) + size > self.account_cap_bytes:
            raise ResultTooLarge
        return True

    def complete(self, job_id: str, result: dict[str, Any]) -> Job | None:
        """Mark the job COMPLETED with its result, and answer it; None if it had already
        ended, or a cancel was asked for meanwhile (DELETE answered CANCELLED: it must not
        be charged). The settle that follows is the durable commit (Database.begin)."""
        with self.db.begin(durable=False) as connection:
            return self.complete_in(connection, job_id, result)

    def complete_in(
        self, connection: Connection, job_id: str, result: dict[str, Any]
    ) -> Job | None:
        """`complete`, in the caller's transaction."""
        return self._end_in(
            connection, job_id, FINAL, JobRecord.cancel_requested.is_(False),
            status=COMPLETED, result=result, progress=1.0,
        )  # fmt: skip

    def make_ready(self, job_id: str, result: dict[str, Any]) -> bool:
        """A sync or streamed job is rendered: keep its result for the hand-off."""
        with self.db.begin() as connection:
            return bool(
                connection.execute(
                    update(JobRecord)
                    .where(JobRecord.id == job_id, JobRecord.status == PROCESSING)
                    .values(result=result, progress=1.0)
                ).rowcount
            )

    def hand_off(self, job_id: str) -> bool:
        """A ready job -> COMPLETED, once: its caller's process takes it."""
        return self._end_ready(job_id, status=COMPLETED)

    def drop_ready(self, job_id: str, error: dict[str, Any]) -> bool:
        """A ready job nobody will take -> FAILED, once."""
        return self._end_ready(job_id, status=FAILED, error=error)

    def _end_ready(self, job_id: str, **values: Any) -> bool:
        now = utcnow()
        with self.db.begin() as connection:
            return bool(
                connection.execute(
                    update(JobRecord)
                    .where(
                        JobRecord.id == job_id,
                        JobRecord.status == PROCESSING,
                        JobRecord.result.is_not(None),
                    )
                    .values(**values, finished_at=now, expires_at=now + self.retention)
                ).rowcount
            )

    def adopt(self, job_id: str, caller: str) -> None:
        """A retry with the same Idempotency-Key takes over the wait for a job: the
        hand-off goes to its process now."""
        with self.db.begin() as connection:
            connection.execute(
                update(JobRecord)
                .where(
                    JobRecord.id == job_id,
                    JobRecord.caller.is_not(None),
                    JobRecord.status.not_in(FINAL),
                )
                .values(caller=caller)
            )

    def orphaned(self, live_callers: set[str]) -> list[Job]:
        """Running sync and streamed jobs (ready or not) whose caller's process is not
        among the live ones."""
        with self.db.transaction() as session:
            rows = session.scalars(
                select(JobRecord).where(
                    JobRecord.status == PROCESSING, JobRecord.caller.is_not(None)
                )
            )
            return [Job.of(row) for row in rows if row.caller not in live_callers]

    def running_for(self, caller: str, older_than: datetime) -> list[Job]:
        """Running sync and streamed jobs of one caller's process, started before
        `older_than`."""
        with self.db.transaction() as session:
            rows = session.scalars(
                select(JobRecord).where(
                    JobRecord.status == PROCESSING,
                    JobRecord.caller == caller,
                    JobRecord.created_at < older_than,
                )
            )
            return [Job.of(row) for row in rows]

    def finish(self, job_id: str, status: str, error: dict[str, Any] | None = None) -> bool:
        """Mark a job FAILED or CANCELLED unless it already ended."""
        return self._end(job_id, FINAL, status=status, error=error) is not None

    def finish_in(
        self, connection: Connection, job_id: str, status: str, error: dict[str, Any] | None
    ) -> Job | None:
        """`finish` in the caller's transaction; the ended job, or None."""
        return self._end_in(connection, job_id, FINAL, status=status, error=error)

    def give_up_queued(self, job_id: str, error: dict[str, Any]) -> bool:
        """QUEUED -> FAILED: it waited too long; False if it started or ended meanwhile."""
        not_queued = frozenset({PROCESSING, *FINAL})
        return self._end(job_id, not_queued, status=FAILED, error=error) is not None

    def _end(self, job_id: str, unless: frozenset[str], **values: Any) -> Job | None:
        with self.db.begin() as connection:
            return self._end_in(connection, job_id, unless, **values)

    def _end_in(
        self, connection: Connection, job_id: str, unless: frozenset[str], *also: Any,
        **values: Any,
    ) -> Job | None:  # fmt: skip
        """End the job with these values unless its status is one of `unless` (or a
        condition in `also` fails); the ended job, or None if it did not move. Results
        are kept `retention` from now."""
        now = utcnow()
        row = connection.execute(
            update(JobRecord)
            .where(JobRecord.id == job_id, JobRecord.status.not_in(unless), *also)
            .values(**values, finished_at=now, expires_at=now + self.retention)
            .returning(*_JOB_COLUMNS)
        ).first()
        return Job(**row._mapping) if row is not None else None

    def images(self, job_id: str) -> list[StoredImage]:
        """A completed job's images; ResultGone (404) when their bytes are no longer
        stored, and the job then expires at once, as if its time were up."""
        with self.db.read() as connection:
            rows = connection.execute(
                select(JobImage.index, JobImage.media_type, JobImage.seed)
                .where(JobImage.job_id == job_id)
                .order_by(JobImage.index)
            ).all()
        found = self.blobs.get([result_key(job_id, row.index) for row in rows])
        if len(found) < len(rows):
            self._expire_now(job_id)
            raise ResultGone
        return [
            StoredImage(row.index, row.media_type, row.seed, found[result_key(job_id, row.index)])
            for row in rows
        ]

    def _expire_now(self, job_id: str) -> None:
        log.warning("the stored images of job %s are missing; it expires now", job_id)
        with self.db.begin() as connection:
            connection.execute(
                update(JobRecord).where(JobRecord.id == job_id).values(expires_at=utcnow())
            )

    def inputs(
        self, job_id: str, *, with_data: bool = True
    ) -> tuple[tuple[InputImage, ...], InputImage | None]:
        """An edit job's input images and its mask; without data, only their sizes and
        formats (enough to price them), the bytes left empty."""
        with self.db.read() as connection:
            rows = connection.execute(
                select(
                    JobInput.index,
                    JobInput.role,
                    JobInput.format,
                    JobInput.width,
                    JobInput.height,
                    JobInput.has_alpha,
                    JobInput.param,
                )
                .where(JobInput.job_id == job_id)
                .order_by(JobInput.index)
            ).all()
        found = self.blobs.get([input_key(job_id, row.index) for row in rows]) if with_data else {}
        if with_data and len(found) < len(rows):
            raise InvalidRequest(
                "The request's input images are no longer stored; send the request again.",
                param="image",
            )
        images: list[InputImage] = []
        mask = None
        for row in rows:
            image = InputImage(
                data=found[input_key(job_id, row.index)] if with_data else b"",
                format=row.format,
                width=row.width,
                height=row.height,
                has_alpha=row.has_alpha,
                param=row.param,
            )
            if row.role == "mask":
                mask = image
            else:
                images.append(image)
        return tuple(images), mask

    def drop_inputs(self, job_id: str) -> None:
        """Forget an ended job's input images: nothing reads them once it has settled."""
        with self.db.begin() as connection:
            indices = list(
                connection.scalars(select(JobInput.index).where(JobInput.job_id == job_id))
            )
            connection.execute(delete(JobInput).where(JobInput.job_id == job_id))
        try:
            self.blobs.delete(input_key(job_id, index) for index in indices)
        except Exception:
            # Settling goes on: the job's purge deletes everything under its prefix.
            log.warning("the input images of job %s are left for its purge", job_id)

    def unfinished(self, older_than: datetime) -> list[Job]:
        """Jobs not ended that were created before `older_than`: what a sweep checks."""
        with self.db.transaction() as session:
            rows = session.scalars(
                select(JobRecord).where(
                    JobRecord.status.not_in(FINAL), JobRecord.created_at < older_than
                )
            )
            return [Job.of(row) for row in rows]

    def purge_expired(self) -> int:
        """Delete jobs whose results are past retention, with their images and inputs; how
        many. Their bytes go first: a job whose bytes could not be deleted keeps its rows
        (it answers 404 all the same) and is tried again at the next sweep."""
        with self.db.read() as connection:
            expired = list(
                connection.scalars(select(JobRecord.id).where(JobRecord.expires_at <= utcnow()))
            )
        purged = []
        for job_id in expired:
            try:
                self.blobs.delete_under(job_prefix(job_id))
            except Exception:
                log.warning("could not delete the stored images of job %s; retrying", job_id)
                continue
            purged.append(job_id)
        if purged:
            with self.db.begin() as connection:
                connection.execute(delete(JobImage).where(JobImage.job_id.in_(purged)))
                connection.execute(delete(JobInput).where(JobInput.job_id.in_(purged)))
                connection.execute(delete(JobRecord).where(JobRecord.id.in_(purged)))
        return len(purged)

    def counts_by_status(self) -> dict[str, int]:
        with self.db.read() as connection:
            rows = connection.execute(
                select(JobRecord.status, func.count()).group_by(JobRecord.status)
            ).all()
        return {status: int(count) for status, count in rows}
