"""A Studio lifecycle configuration: create-only, named by the caller with a digest, always retained."""

from __future__ import annotations

import hashlib

import pytest

from platform_constructs.studio_lifecycle_config import StudioLifecycleConfig, content_digest
from tests.constructs.reading import Json, only
from tests.support.stacks import new_stack, template

SCRIPT = "#!/bin/bash\necho installing extensions\n"


@pytest.fixture(scope="module")
def built() -> tuple[StudioLifecycleConfig, Json]:
    stack = new_stack()
    config = StudioLifecycleConfig(
        stack, "Lab", name="mlexp-dev-lab-extensions-0123abcd", app_type="JupyterLab", script=SCRIPT
    )
    arn = stack.resolve(config.arn)
    return config, {"template": dict(template(stack).to_json()), "arn": arn}


def resource(built: tuple[StudioLifecycleConfig, Json]) -> tuple[str, Json]:
    return only(built[1]["template"], "AWS::SageMaker::StudioLifecycleConfig")


def test_the_config_holds_the_script_for_its_app_type(built: tuple[StudioLifecycleConfig, Json]) -> None:
    assert resource(built)[1]["Properties"] == {
        "StudioLifecycleConfigName": "mlexp-dev-lab-extensions-0123abcd",
        "StudioLifecycleConfigAppType": "JupyterLab",
        "StudioLifecycleConfigContent": {"Fn::Base64": SCRIPT},
    }


def test_the_config_is_always_retained(built: tuple[StudioLifecycleConfig, Json]) -> None:
    """The previous version may still be attached to profiles of another stack during a deploy."""
    found = resource(built)[1]
    assert (found["DeletionPolicy"], found["UpdateReplacePolicy"]) == ("Retain", "Retain")


def test_the_arn_and_app_type_are_exposed(built: tuple[StudioLifecycleConfig, Json]) -> None:
    assert built[1]["arn"] == {"Fn::GetAtt": [resource(built)[0], "StudioLifecycleConfigArn"]}
    assert built[0].app_type == "JupyterLab"


def test_the_digest_is_the_sha256_of_the_text() -> None:
    assert content_digest(SCRIPT) == hashlib.sha256(SCRIPT.encode("utf-8")).hexdigest()


def test_a_changed_script_has_another_digest() -> None:
    assert content_digest(SCRIPT) != content_digest(SCRIPT + "\n")
