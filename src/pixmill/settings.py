"""One Settings object, read from PIXMILL_* environment variables (and a .env file)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_MODEL_ALIAS = "gpt-image-1"


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
    data_dir: Path = Path("data")

    engine: str = "design"
    """The default engine: it serves `gpt-image-1` and its own name."""
    engine_options: dict[str, Any] = Field(default_factory=dict)
    models: dict[str, ModelConfig] = Field(default_factory=dict)
    """More named models, e.g. {"sd-turbo": {"engine": "diffusion", "options": {...}}}."""

    database_url: str | None = None
    """SQLAlchemy URL of the accounts database; default: SQLite file `pixmill.db` in data_dir.
    Share one PostgreSQL database (postgresql://...) between several API processes."""
    prices: dict[str, dict[str, dict[str, Decimal]]] = Field(default_factory=dict)
    """Credits per image by model, quality and size ("*" for any), over GPT-Image-1's prices."""
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

    @field_validator("admin_token")
    @classmethod
    def _long_enough(cls, token: SecretStr | None) -> SecretStr | None:
        if token is not None and len(token.get_secret_value()) < 16:
            raise ValueError("PIXMILL_ADMIN_TOKEN must be at least 16 characters, or unset")
        return token

    def accounts_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'pixmill.db').resolve()}"

    def model_table(self) -> dict[str, ModelConfig]:
        """Every configured model name with its engine: the default first, then the rest."""
        default = ModelConfig(engine=self.engine, options=self.engine_options)
        table = {DEFAULT_MODEL_ALIAS: default, self.engine: default}
        table.update(self.models)
        return table
