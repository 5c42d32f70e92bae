"""Engine settings are checked where they are set: a misspelt choice is refused with its name."""

import pytest

from hd_desktop.engine.config import CHOICES, EngineConfig, engine_preset
from hd_desktop.errors import UserFacingError


@pytest.mark.parametrize("name, value", [("envelope", "flase"), ("loss", "bogus"),
                                         ("activation", "sigmoid"), ("width", "wide"),
                                         ("region_reach", "far")])
def test_a_bad_setting_is_refused_when_set(name, value):
    with pytest.raises(UserFacingError, match=f"{name}='{value}'"):
        engine_preset("default").with_overrides(**{name: value})
    with pytest.raises(UserFacingError, match=f"{name}='{value}'"):
        EngineConfig(**{name: value})


def test_good_settings_pass():
    c = engine_preset("default").with_overrides(envelope="off", adjust="yes", loss="gp",
                                                region_reach="none", width="32")
    assert (c.envelope, c.adjust, c.loss, c.region_reach, c.width) == (False, True, "gp", None, 32)
    assert EngineConfig.from_dict(c.to_dict()) == c
    with pytest.raises(UserFacingError, match="eps=True"):
        EngineConfig(eps=True)


def test_the_choices_are_the_ones_training_knows():
    from hd_desktop.engine.network import ACTIVATIONS
    from hd_desktop.engine.training import LOSSES

    assert set(CHOICES["loss"]) == {"auto", *LOSSES}
    assert set(CHOICES["activation"]) == set(ACTIVATIONS)


def test_the_gp_smoothers_median_and_floor_cap_are_settings():
    c = engine_preset("default").with_overrides(gp_median="yes", gp_floor_max="0.08")
    assert (c.gp_median, c.gp_floor_max) == (True, 0.08)
    assert EngineConfig.from_dict(c.to_dict()) == c
    with pytest.raises(UserFacingError, match="gp_median='maybe'"):
        c.with_overrides(gp_median="maybe")


def test_the_gp_smoothers_link_is_numbers_or_none():
    c = engine_preset("default")
    assert (c.gp_steepness, c.gp_var_weight) == (None, None)    # chosen by the votes
    assert c.with_overrides(gp_steepness="2").gp_steepness == 2.0
    with pytest.raises(UserFacingError, match="gp_steepness=0.0 must be more than 0"):
        c.with_overrides(gp_steepness="0")
    assert c.with_overrides(gp_var_weight="0.25").gp_var_weight == 0.25
    assert c.with_overrides(gp_var_weight="1").gp_var_weight == 1.0
    learned = c.with_overrides(gp_var_weight="none", gp_steepness="none")
    assert (learned.gp_steepness, learned.gp_var_weight) == (None, None)
    assert EngineConfig.from_dict(learned.to_dict()) == learned
    with pytest.raises(UserFacingError, match="gp_var_weight=-0.5 must be 0 or more"):
        c.with_overrides(gp_var_weight="-0.5")
    assert (c.cover_radius, c.cover_level) == (2.0, 0.05)       # the trusted cover weights
    with pytest.raises(UserFacingError, match="cover_level=1.5 must be between 0 and 1"):
        c.with_overrides(cover_level="1.5")
    assert c.with_overrides(cover_level="none").cover_level is None   # 1 / cover everywhere
    assert c.with_overrides(cover_radius="none").cover_radius is None  # the weights off
