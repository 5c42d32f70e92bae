"""Settings files with values the app cannot use: each is named, its default used, nothing else lost."""

from __future__ import annotations

import json

import pytest

from hd_desktop.settings import Settings, load_settings, save_settings


def _write(tmp_path, **values):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"schema": 1, **values}))
    return path


@pytest.mark.parametrize("text, shown", [
    ('"loud"', "'loud'"), ("NaN", "nan"), ("Infinity", "inf"), ("1e400", "inf"), ("true", "True"),
    ("null", "None"), ("[3]", "[3]"), ("40", "40"), ("-1e9", "-1000000000"),
])
def test_a_gain_the_player_cannot_use_is_named_and_the_default_kept(tmp_path, text, shown):
    path = tmp_path / "settings.json"
    path.write_text('{"schema": 1, "carrier": "sentence", "gain_db": %s}' % text)
    settings, note = load_settings(path)
    assert settings == Settings(carrier="sentence", gain_db=0.0)  # the good value survives
    assert note is not None and str(path) in note and "gain_db" in note and shown in note


def test_a_gain_inside_the_level_range_is_kept_as_a_float(tmp_path):
    settings, note = load_settings(_write(tmp_path, gain_db=-12))
    assert note is None and settings.gain_db == -12.0 and isinstance(settings.gain_db, float)


def test_unknown_carrier_and_numeric_device_are_named(tmp_path):
    settings, note = load_settings(_write(tmp_path, carrier="whistle", output_device=3,
                                          gain_db=-6.0))
    assert settings == Settings(gain_db=-6.0)
    assert "carrier 'whistle'" in note and "output_device 3" in note


def test_a_settings_path_that_is_a_folder_gives_defaults_and_a_message(tmp_path):
    path = tmp_path / "settings.json"
    path.mkdir()
    settings, note = load_settings(path)
    assert settings == Settings() and str(path) in note


def test_saved_settings_read_back_unchanged(tmp_path):
    path = tmp_path / "settings.json"
    saved = Settings(output_device="JACK", carrier="sentence", gain_db=-3.5)
    save_settings(saved, path)
    assert load_settings(path) == (saved, None)
