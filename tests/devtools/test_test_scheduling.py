"""How the suite's files are handed to pytest-xdist workers (tests/conftest.py)."""

from __future__ import annotations

from tests import conftest
from tests.support.synth import ROOT


def test_files_sharing_a_costly_start_are_one_unit_of_work_and_others_go_alone() -> None:
    sdk = conftest.SHARED_STARTS["sagemaker-sdk"]
    assert {conftest.work_unit(f"{path}::test_x[a::b]") for path in sdk} == {"sagemaker-sdk"}
    assert conftest.work_unit("tests/constructs/test_secure_bucket.py::test_x") == (
        "tests/constructs/test_secure_bucket.py"
    )


def test_every_file_named_exists() -> None:
    named = [path for paths in conftest.SHARED_STARTS.values() for path in paths]
    assert [path for path in named if not (ROOT / path).is_file()] == []
    assert len(named) == len(set(named))
