"""Which stack holds each user profile: stable, and within CloudFormation's resource quota.

A user's stack is a hash of the user name modulo the configured number of user stacks, so
adding or removing a user never moves anyone else. Changing `studio.user_profile_stacks`
does move profiles (see README, "Scaling user profiles").
"""

from __future__ import annotations

import hashlib

RESOURCE_QUOTA = 500
HEADROOM = 0.8
# Per profile: the AWS::SageMaker::UserProfile and its teardown custom resource.
RESOURCES_PER_PROFILE = 2
MAX_PROFILES_PER_STACK = int(RESOURCE_QUOTA * HEADROOM) // RESOURCES_PER_PROFILE


def user_stack_index(user: str, stack_count: int) -> int:
    digest = hashlib.sha256(user.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % stack_count


def place_users(users: tuple[str, ...], stack_count: int) -> dict[int, tuple[str, ...]]:
    """Stack index -> its users in config order, for every index (empty stacks included)."""
    placed: dict[int, list[str]] = {index: [] for index in range(stack_count)}
    for user in users:
        placed[user_stack_index(user, stack_count)].append(user)
    return {index: tuple(members) for index, members in placed.items()}
