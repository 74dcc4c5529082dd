"""Deterministic stand-ins for the names and ids CloudFormation and AWS choose at deploy time.

A journey must resolve to the same ARN on every run and every machine, so the random parts are a
hash of (account, region, stack name, logical id): stable, distinct per resource and per
deployment (the same stack in two regions gets two role names, as in AWS), and shaped like the
real thing so that ARN patterns in policies match (or fail to match) them as they would in AWS.
"""

from __future__ import annotations

import base64
import hashlib

_SUFFIX_LENGTH = 12  # CloudFormation appends a 12-13 character random suffix to generated names


def _digest(*parts: str) -> bytes:
    # `where` (account/region) is one of the parts: see the module docstring.
    return hashlib.sha256("\x00".join(parts).encode()).digest()


def generated_name(stack_name: str, logical_id: str, *, where: str, max_length: int, lowercase: bool = False) -> str:
    """CloudFormation's style for a resource without an explicit name: `<stack>-<LogicalId>-<SUFFIX>`.

    CloudFormation shortens the stack name and logical id to fit the type's limit; so does this.
    """
    suffix = base64.b32encode(_digest(where, stack_name, logical_id)).decode()[:_SUFFIX_LENGTH]
    room = max_length - len(suffix) - 2
    stack_part = stack_name[: max(room // 2, room - len(logical_id))]
    logical_part = logical_id[: room - len(stack_part)]
    name = f"{stack_part}-{logical_part}-{suffix}"
    return name.lower() if lowercase else name


def fake_id(
    prefix: str, stack_name: str, logical_id: str, *, where: str, length: int = 17, alphabet: str = "hex"
) -> str:
    """An AWS-style id such as `vpc-0a1b...`, `subnet-...`, `d-...` (hex or lower-case alphanumerics)."""
    digest = _digest(prefix, where, stack_name, logical_id)
    body = digest.hex() if alphabet == "hex" else base64.b32encode(digest).decode().lower()
    return f"{prefix}{body[:length]}"


def fake_uuid(stack_name: str, logical_id: str, *, where: str) -> str:
    """A UUID-shaped id (KMS key ids, stack ids)."""
    hex_digits = _digest("uuid", where, stack_name, logical_id).hex()
    return f"{hex_digits[:8]}-{hex_digits[8:12]}-{hex_digits[12:16]}-{hex_digits[16:20]}-{hex_digits[20:32]}"
