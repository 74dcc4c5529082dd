"""The base model and the strict string type every configuration model uses."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)


def _require_str(value: Any) -> Any:
    # YAML turns unquoted 111122223333 into an int and yes/no into booleans: refuse to guess.
    if not isinstance(value, str):
        raise ValueError(f"must be a string (quote it in YAML), got {type(value).__name__}")
    return value


Str = Annotated[str, BeforeValidator(_require_str)]
