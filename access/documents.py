"""IAM policy documents as the model keeps them: resolved JSON with the name the table prints."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Document = Mapping[str, Any]


@dataclass(frozen=True)
class NamedPolicy:
    name: str  # what the table prints: a logical id, a policy name or a managed policy's name
    document: Document
