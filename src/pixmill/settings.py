"""One Settings object, read from PIXMILL_* environment variables (and a .env file)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from pixmill.datadir import default_data_dir
from pixmill.request import MAX_INPUT_IMAGES

DEFAULT_MODEL_ALIAS = "gpt-image-1"
MIB = 1024 * 1024
MAX_EDIT_IMAGE_BYTES = 50 * MIB
"""OpenAI's own limit on one input image."""
DEFAULT_ALIASES: dict[str, str] = {
    name: DEFAULT_MODEL_ALIAS
    for name in (
        "gpt-image-1.5",
        "gpt-image-2",
        "gpt-image-1-mini",
        "chatgpt-image-latest",
        "dall-e-3",
        "dall-e-2",
    )
}
"""OpenAI's other image model names (and Segmind's slugs of them): the default engine."""


class ModelConfig(BaseModel):
    """A named model: which engine serves it, and that engine's options."""

    engine: str
    options: dict[str, Any] = Field(default_factory=dict)


class Settings(BaseSettings):
    """Server settings. Nested values (models) are JSON in the environment."""

    model_config = SettingsConfigDict(
        env_prefix="PIXMILL_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    data_dir: Path = Field(default_factory=default_data_dir)
    """Accounts, jobs, the certificate authority, models: see datadir.py for the default."""
    models_dir: Path | None = None
    """Where `pixmill models pull` and `demo` put models; default `data_dir/models`."""

    engine: str = "design"
    """The default engine: it serves `gpt-image-1` and its own name."""
    engine_options: dict[str, Any] = Field(default_factory=dict)
    models: Annotated[dict[str, ModelConfig], NoDecode] = Field(default_factory=dict)
    """More named models, e.g. {"sd-turbo": {"engine": "diffusion", "options": {...}}}; or
    names of stored or catalogue models (`sd-turbo,demo`, or a JSON list), each served
    by the diffusion engine under its own name."""
    model_aliases: dict[str, str | None] = Field(default_factory=dict)
    """More names for configured models, merged over DEFAULT_ALIASES, e.g.
    {"gpt-image-2": "openai-gpt-image"}; null removes a default alias. A name in `models`
    wins over an alias of the same name."""

    database_url: str | None = None
    """SQLAlchemy URL of the accounts database; default: SQLite file `pixmill.db` in data_dir.
    Share one PostgreSQL database (postgresql://...) between several API processes."""
    prices: dict[str, dict[str, dict[str, Decimal]]] = Field(default_factory=dict)
    """Credits per image by model, quality and size ("*" for any), over GPT-Image-1's prices;
    and a model's `"input": {"image_tokens": credits per million}` prices an edit's input
    images (default 10, GPT-Image-1's)."""
    rate_limit_storage: str = "memory://"
    """Where rate-limit counters live: memory:// (one process) or redis://host:port (shared)."""
    rate_limit_fail_closed: bool = False
    """When the counters' Redis is unreachable: False lets requests through unchecked (and
    counts them), True refuses them with 503 and makes /readyz check Redis."""
    requests_per_minute: int = Field(default=60, ge=0)
    images_per_minute: int = Field(default=120, ge=0)
    """Per-key limits for keys that set none of their own; 0 means unlimited."""
    admin_token: SecretStr | None = None
    """Bearer token of the admin API under /admin; the admin API is off when unset."""
    starter_key: bool = True
    """On an empty database, `pixmill serve` creates a starter account and prints its key."""
    starter_credits: Decimal = Field(default=Decimal(5), ge=0)

    moderation_rules: Path | None = None
    """An operator's rules file (YAML or JSON), merged over the packaged prompt rules."""
    image_moderation_threshold_auto: float = Field(default=0.4, ge=0, le=1)
    image_moderation_threshold_low: float = Field(default=0.8, ge=0, le=1)
    """Output images scoring at or above the level's threshold are withheld."""

    content_credentials: bool = True
    """Sign every png, jpeg and webp with a C2PA manifest (Content Credentials)."""
    c2pa_certificate: Path | None = None
    """PEM file: the signing certificate, then its intermediates (not the root). Without it
    (and the key), pixmill makes a local certificate authority in data_dir/c2pa. Replicas
    share one certificate and key from here."""
    c2pa_private_key: Path | None = None
    """PEM file: the signing certificate's private key (EC P-256/384/521, RSA or Ed25519)."""
    c2pa_trust_anchors: Path | None = None
    """PEM file of more root certificates `pixmill verify` trusts, beside the local CA."""

    max_concurrent_renders: int = Field(default=2, ge=1)
    """Renders running at once; more requests wait their turn."""
    max_concurrent_upstream: int = Field(default=64, ge=1)
    """Gateway mode: upstream calls waiting at once, apart from the render slots."""
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    header_timeout: float = Field(default=10, gt=0)
    """Seconds a client has to send a request's headers (from connecting, or from the
    previous answer on a kept-alive connection); then 408 and the connection is closed."""
    body_timeout: float = Field(default=30, gt=0)
    """Seconds a client has to send a request's whole body once its headers are in; 408."""
    keep_alive_timeout: int = Field(default=5, ge=1)
    """Seconds an idle kept-alive connection stays open between requests."""
    max_header_bytes: int = Field(default=65_536, ge=4096)
    """Largest request line and headers together; more gets 431."""
    log_level: str = "info"
    log_format: Literal["text", "json"] = "text"
    """text: one escaped line per record; json: one JSON object per line."""

    # Jobs (docs/jobs.md)
    jobs_database_url: str | None = None
    """The job engine's (DBOS) database: by default an SQLite file `jobs.sqlite` beside an
    SQLite accounts database, or the accounts' PostgreSQL database (schema `jobs_schema`)."""
    jobs_schema: str = "dbos"
    jobs_namespace: str = Field(default="pixmill", min_length=1, max_length=64)
    """Which app a job belongs to; every process of one deployment uses the same."""
    jobs_poll_interval: float = Field(default=2.0, gt=0, le=5)
    """Seconds between a worker's looks at its queues when nothing wakes it: a submit or a
    job's end wakes it at once (on PostgreSQL, across processes, by NOTIFY)."""
    max_queued_jobs: int = Field(default=200, ge=1)
    """Jobs waiting in one queue at most; past it a submit answers 503 with Retry-After."""
    max_queue_seconds: int = Field(default=600, ge=1)
    """A job still queued after this long ends FAILED (503), and costs nothing."""
    render_memory_bytes: int = Field(default=4 * 1024**3, ge=64 * 1024**2)
    """The memory one render may use, estimated from size, n and quality: bigger requests
    are rendered in smaller batches, and one image over it is refused (400 naming size)."""
    account_share: float = Field(default=0.5, gt=0, le=1)
    """The share of a worker's slots for a queue that one account's jobs may fill at once."""
    worker: bool = True
    """Run jobs in this process; API-only replicas set it false and leave them to workers."""
    worker_id: str | None = Field(default=None, min_length=1, max_length=128)
    """This process's executor id; unique per process (default: "local" on SQLite, else
    host and process id). A worker restarted with its id recovers its own jobs at once."""
    worker_models: list[str] | None = None
    """The models this worker serves (default: every configured model)."""
    worker_drain_seconds: int = Field(default=30, ge=0)
    """On SIGTERM: how long running jobs may take to finish before the process exits."""
    worker_dead_after_seconds: int = Field(default=30, ge=5)
    """A worker silent this long is declared dead and its jobs go to the others."""
    worker_metrics_port: int | None = Field(default=None, ge=0, le=65535)
    """`pixmill worker` serves its job metrics for Prometheus on this port, at `host`
    (`--metrics-port`; 0 picks a free one and logs it). `pixmill serve` has /metrics."""
    no_worker_wait_seconds: float = Field(default=10, ge=0, le=600)
    """How long a sync or streamed call for a model no live worker serves waits for one
    before it answers 503 with Retry-After (API-only replicas; async calls are queued)."""
    result_retention_seconds: int = Field(default=3600, ge=1)
    """How long finished jobs and their images are kept (Segmind keeps them an hour)."""
    result_cap_bytes: int = Field(default=512 * 1024 * 1024, ge=1024)
    """Stored result images per account, at most."""
    result_store: str = "database"
    """Where result images and an edit's input images are kept: "database" (the accounts
    database, which every replica reads), or an S3-compatible bucket, `s3://bucket/prefix`.
    Credentials come from the standard AWS chain (AWS_ACCESS_KEY_ID and
    AWS_SECRET_ACCESS_KEY, AWS_PROFILE, an instance or pod role), never from here."""
    s3_endpoint_url: str | None = None
    """The S3 API's URL for a service other than AWS (MinIO, Ceph, R2...); unset: AWS."""
    s3_region: str | None = None
    """The bucket's region; unset: AWS_REGION or AWS_DEFAULT_REGION, or the AWS config."""
    s3_addressing_style: Literal["auto", "path", "virtual"] = "auto"
    """`path` for services that serve buckets only under the endpoint's path (often MinIO)."""
    status_polls_per_minute: int = Field(default=120, ge=0)
    """Per key: reads of job status, results and events; 0 is unlimited."""
    secret_key: SecretStr | None = None
    """Signs short-lived event tokens and image links; several replicas must share it.
    Unset: a random key kept in the data directory (one machine)."""
    public_url: str | None = None
    """The base URL clients reach this server at (`https://images.example.com`, with any
    path prefix): image links (`response_format: "url"`) and job links are built from it.
    Unset: from the request's Host, which must then be one of `allowed_hosts`."""
    allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """Hosts (`images.internal`, `*.example.com`, `*` for any) a request's Host may name for
    image links built from it, when `public_url` is unset; beside localhost, 127.0.0.1,
    ::1 and `host`. In the environment: comma-separated, or a JSON list."""
    webhook_timeout_seconds: float = Field(default=5, gt=0, le=60)
    webhook_max_attempts: int = Field(default=6, ge=1, le=20)
    """Deliveries are tried this many times, with exponential backoff between them."""
    webhook_backoff_seconds: float = Field(default=2, gt=0, le=60)
    """The first wait between attempts; each next one doubles, up to 5 minutes."""
    edit_max_image_bytes: int = Field(default=20 * MIB, ge=1024, le=MAX_EDIT_IMAGE_BYTES)
    """Largest input image (or mask) of an edit, as a file: 20 MiB, at most OpenAI's 50 MiB."""
    edit_max_image_pixels: int = Field(default=50_000_000, ge=65_536, le=178_000_000)
    """Largest input image in pixels, checked from its header before it is decoded."""
    edit_max_image_side: int = Field(default=12_000, ge=256, le=65_500)
    edit_max_body_bytes: int | None = Field(default=None, ge=1024)
    """Largest body of an edit route; default: `edit_body_limit()`, which fits the most
    images an edit takes at the per-image limit, base64-encoded, with the mask."""

    url_allow_list: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """Hostnames (`hooks.internal`, `*.corp.example`) and addresses or networks (`10.1.0.0/16`)
    that caller-given URLs (webhooks, input images) may reach although they are not public.
    In the environment: comma-separated, or a JSON list."""

    @field_validator("admin_token")
    @classmethod
    def _long_enough(cls, token: SecretStr | None) -> SecretStr | None:
        if token is not None and len(token.get_secret_value()) < 16:
            raise ValueError("PIXMILL_ADMIN_TOKEN must be at least 16 characters, or unset")
        return token

    @field_validator("result_store")
    @classmethod
    def _store_url(cls, value: str) -> str:
        if value == "database":
            return value
        scheme, _, rest = value.partition("://")
        bucket = rest.split("/", 1)[0]
        if scheme != "s3" or not bucket:
            raise ValueError('PIXMILL_RESULT_STORE must be "database" or s3://bucket[/prefix]')
        return value

    @field_validator("public_url")
    @classmethod
    def _http_base(cls, url: str | None) -> str | None:
        if url is None or not url.strip():
            return None
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("PIXMILL_PUBLIC_URL must be an http(s) URL such as https://host")
        if parts.query or parts.fragment:
            raise ValueError("PIXMILL_PUBLIC_URL takes no query or fragment")
        return url.strip().rstrip("/")

    @field_validator("models", mode="before")
    @classmethod
    def _model_names(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            value = json.loads(text) if text[:1] in "[{" else text.split(",")
        if isinstance(value, list):
            names = [str(name).strip() for name in value if str(name).strip()]
            return {name: {"engine": "diffusion", "options": {"model": name}} for name in names}
        return value

    @field_validator("url_allow_list", "allowed_hosts", mode="before")
    @classmethod
    def _split_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            entries = json.loads(text) if text.startswith("[") else text.split(",")
            return [entry.strip() for entry in entries if entry.strip()]
        return value

    def edit_body_limit(self) -> int:
        """The body limit of the edit routes (the generation routes keep `max_body_bytes`):
        16 images and a mask at the per-image limit, in base64 (4/3), plus 1 MiB of fields."""
        if self.edit_max_body_bytes is not None:
            return self.edit_max_body_bytes
        files = MAX_INPUT_IMAGES + 1
        return files * -(-self.edit_max_image_bytes * 4 // 3) + MIB

    def link_hosts(self) -> frozenset[str]:
        """The hosts a request's Host may name for links built from it: loopback names,
        the address the server binds (unless a wildcard), and `allowed_hosts`; lower case,
        IPv6 addresses without brackets."""
        hosts = {"localhost", "127.0.0.1", "::1", *self.allowed_hosts}
        if self.host not in ("0.0.0.0", "::", ""):
            hosts.add(self.host)
        return frozenset(host.strip().strip("[]").lower() for host in hosts)

    def accounts_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'pixmill.db').resolve()}"

    def jobs_url(self) -> str:
        if self.jobs_database_url:
            return self.jobs_database_url
        accounts = self.accounts_database_url()
        if accounts.startswith("sqlite"):
            return f"sqlite:///{(self.data_dir / 'jobs.sqlite').resolve()}"
        return accounts

    def model_table(self) -> dict[str, ModelConfig]:
        """Every configured model name with its engine: the default first, then the rest."""
        default = ModelConfig(engine=self.engine, options=self.engine_options)
        table = {DEFAULT_MODEL_ALIAS: default, self.engine: default}
        table.update(self.models)
        return {name: self._with_data_dir(config) for name, config in table.items()}

    def _with_data_dir(self, config: ModelConfig) -> ModelConfig:
        """Diffusion engines keep their measured path and exports in the data directory,
        and find short model names in the model store, unless their options say otherwise."""
        if config.engine != "diffusion":
            return config
        from pixmill.modelstore.store import stored_options

        defaults = {
            "tuning_dir": str(self.data_dir / "diffusion"),
            "models_dir": str(self.model_store()),
        }
        model = config.options.get("model")
        if isinstance(model, str):
            defaults |= stored_options(
                Path(config.options.get("models_dir") or self.model_store()), model
            )
        return config.model_copy(update={"options": defaults | config.options})

    def model_store(self) -> Path:
        """Where pulled and demo models live."""
        return self.models_dir or self.data_dir / "models"

    def data_dir_given(self) -> bool:
        """Whether a setting named the data directory (else datadir.py's default)."""
        return "data_dir" in self.model_fields_set

    def art_table(self) -> dict[str, str]:
        """Composed design model -> the configured model drawing its art (issue 25)."""
        from pixmill.engines.art_models import art_targets

        table = self.model_table()
        configs = {name: (config.engine, config.options) for name, config in table.items()}
        return art_targets(configs, self.alias_table())

    def alias_table(self) -> dict[str, str]:
        """Alias -> configured model name, without the names that are models themselves."""
        models = self.model_table()
        merged = {**DEFAULT_ALIASES, **self.model_aliases}
        return {
            alias: target
            for alias, target in merged.items()
            if target is not None and alias not in models
        }
