"""The default engine reaches its targets on the two Gaussian listeners (a wide one on the data, one shifted off it).

The targets and why: tests/helpers/quality.py."""

from helpers.quality import HALVES, quality_test

test_default_settings_reach_the_targets = quality_test(HALVES["gaussian"])
