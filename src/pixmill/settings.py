"""One Settings object, read from PIXMILL_* environment variables (and a .env file)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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

    api_keys: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """Accepted API keys. Empty: the server is open and answers any key (local use only)."""

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
    log_level: str = "info"

    @field_validator("api_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: Any) -> Any:
        if isinstance(value, str):
            if value.lstrip().startswith("["):
                return json.loads(value)
            return [key.strip() for key in value.split(",") if key.strip()]
        return value

    def model_table(self) -> dict[str, ModelConfig]:
        """Every configured model name with its engine: the default first, then the rest."""
        default = ModelConfig(engine=self.engine, options=self.engine_options)
        table = {DEFAULT_MODEL_ALIAS: default, self.engine: default}
        table.update(self.models)
        return table
