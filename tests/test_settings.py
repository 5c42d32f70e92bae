"""Saving the user's settings: a folder in the way, or an unwritable place, is a message."""

from __future__ import annotations

import pytest

from hd_desktop.errors import UserFacingError
from hd_desktop.settings import Settings, load_settings, save_settings, settings_path


def test_saved_settings_come_back(tmp_home):
    save_settings(Settings(output_device="system", carrier="sentence", gain_db=-6.0))
    assert load_settings() == (Settings("system", "sentence", -6.0), None)


def test_a_settings_path_that_is_a_folder(tmp_home):
    settings_path().mkdir()
    settings, note = load_settings()
    assert settings == Settings() and str(settings_path()) in note
    with pytest.raises(UserFacingError, match="is a folder"):
        save_settings(Settings(gain_db=-6.0))
