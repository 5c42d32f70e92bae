"""The default engine reaches its targets on the two shaped listeners (an arc, and two lobes).

The targets and why: tests/helpers/quality.py."""

from helpers.quality import HALVES, quality_test

test_default_settings_reach_the_targets = quality_test(HALVES["shaped"])
