"""The default engine reaches its targets on the two Gaussian listeners (a wide one on the data, one shifted off it).

The targets and why: tests/helpers/quality.py."""

from __future__ import annotations

import pytest
from helpers.quality import HALVES, default_settings_reach_the_targets, real_voices


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    return real_voices(tmp_path_factory)


@pytest.mark.slow
@pytest.mark.timeout(3600)  # three runs of 3000 votes; on a loaded 2-core machine 6 minutes each
@pytest.mark.parametrize("name", HALVES["gaussian"])
def test_default_settings_reach_the_targets(name, real):
    default_settings_reach_the_targets(name, real)
