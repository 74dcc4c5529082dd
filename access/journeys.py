"""The journey catalogue: YAML files under access/journeys/, validated on load into frozen models.

A journey is one request someone or something makes on the platform (principal, action,
resource, request context, the VPC endpoint it goes through) and the decision a secure, working
platform must take. Principals and resources are written symbolically (see `placeholders`) and
resolved against each synthesized stage. Every problem in a file is reported, one line each,
naming the file, the journey id and the field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

CATALOGUE = Path(__file__).resolve().parent / "journeys"
ContextValue = str | list[str]
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9]+$")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class PrincipalSpec(_Frozen):
    """Exactly one kind: a platform role, an AWS service, a principal outside the platform, or a boundary."""

    role: str | None = Field(None, description="ARN of a role of the stage; the request comes from its session")
    session: str = Field("journey", description="role session name, as in assumed-role/<role>/<session>")
    service: str | None = Field(None, description="an AWS service principal such as events.amazonaws.com")
    external: str | None = Field(
        None,
        description="an account id or principal ARN the platform does not create (another account, a configured "
        "approver): it may do anything in its own account, so the platform's resource policies decide",
    )
    boundary: str | None = Field(
        None,
        description="ARN of a permissions boundary of the stage: a role carrying it with an allow-everything "
        "policy, to prove what the boundary alone lets through",
    )

    @model_validator(mode="after")
    def _one_kind(self) -> PrincipalSpec:
        kinds = [kind for kind in ("role", "service", "external", "boundary") if getattr(self, kind) is not None]
        if len(kinds) != 1:
            raise ValueError(
                f"give exactly one of role, service, external, boundary (got {', '.join(kinds) or 'none'})"
            )
        if self.session != "journey" and self.role is None and self.external is None:
            raise ValueError("session applies to role and external principals only")
        return self

    @property
    def kind(self) -> Literal["role", "service", "external", "boundary"]:
        if self.role is not None:
            return "role"
        if self.service is not None:
            return "service"
        return "external" if self.external is not None else "boundary"

    @property
    def value(self) -> str:
        return next(v for v in (self.role, self.service, self.external, self.boundary) if v is not None)


class Journey(_Frozen):
    id: str
    title: str = Field(min_length=10, description="what happens, in plain words for a security reviewer")
    principal: PrincipalSpec
    action: str
    resource: str
    resource_account: str | None = Field(
        None, description="owner of a resource whose ARN names no account and that is not the platform's (S3)"
    )
    context: dict[str, ContextValue] = Field(default_factory=dict)
    via: str | None = Field(None, description="endpoint catalog name, or s3 for the gateway endpoint")
    foreign_resource_policy: Literal["allow-all"] | None = Field(
        None, description="for a resource outside the platform: its owner's policy admits everyone"
    )
    expect: Literal["allowed", "denied"]
    proves: str = Field(min_length=10)
    stages: tuple[str, ...] | None = None
    variants: tuple[str, ...] | None = None
    pending: str | None = Field(None, description="why it cannot be evaluated yet; reported as PENDING")
    area: str = Field("", description="set on load: the name of the file the journey is in")

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(f"must be lower-case words joined by '-' (got {value!r})")
        return value

    @field_validator("action")
    @classmethod
    def _action_shape(cls, value: str) -> str:
        if not _ACTION.match(value):
            raise ValueError(f"must be service:Action without wildcards (got {value!r})")
        return value

    @field_validator("resource_account")
    @classmethod
    def _account_shape(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"\d{12}|\{[a-z_]+(:[^}]*)?\}", value):
            raise ValueError(f"must be a 12-digit account or a placeholder (got {value!r})")
        return value

    def applies_to(self, stage_id: str, variant: str) -> bool:
        return (self.stages is None or stage_id in self.stages) and (self.variants is None or variant in self.variants)


class CatalogueError(Exception):
    """The catalogue does not load; `problems` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _field(location: Iterable[int | str]) -> str:
    return ".".join(str(part) for part in location) or "(journey)"


def load_file(path: Path) -> tuple[list[Journey], list[str]]:
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        return [], [f"{path}: not readable YAML: {str(error).splitlines()[0]}"]
    if not isinstance(data, list):
        return [], [f"{path}: must be a list of journeys"]
    journeys: list[Journey] = []
    problems: list[str] = []
    for index, item in enumerate(data):
        label = item.get("id", f"#{index}") if isinstance(item, dict) else f"#{index}"
        try:
            journeys.append(Journey.model_validate(item).model_copy(update={"area": path.stem}))
        except ValidationError as error:
            for problem in error.errors():
                problems.append(f"{path.name}: {label}: {_field(problem['loc'])}: {problem['msg']}")
    return journeys, problems


def load_catalogue(folder: Path = CATALOGUE) -> tuple[Journey, ...]:
    """Every journey of every `*.yaml` file in `folder`, in file and then file order; ids are unique."""
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise CatalogueError([f"{folder}: no journey files (*.yaml)"])
    journeys: list[Journey] = []
    problems: list[str] = []
    seen: dict[str, str] = {}
    for path in files:
        loaded, file_problems = load_file(path)
        problems.extend(file_problems)
        for journey in loaded:
            if journey.id in seen:
                problems.append(f"{path.name}: {journey.id}: id: already used in {seen[journey.id]}")
            seen[journey.id] = path.name
            journeys.append(journey)
    if problems:
        raise CatalogueError(problems)
    return tuple(journeys)
