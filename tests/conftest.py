"""Shared fixtures. Grouped by topic; each group says what it gives and why.

Add new fixtures under a heading of their own, and keep anything slow session-scoped.
"""

from __future__ import annotations

import os

import pytest

# --- Numerics: one torch thread, so a test's figures are the same on any machine and load ------
#
# Set before torch is imported (by a test, or by an engine process a test starts): reductions
# then add up in one order, and a quality figure does not move with the number of cores free.
os.environ["OMP_NUM_THREADS"] = "1"

# --- Order: the longest test files first, so the workers of the whole run end together ------
#
# tools/setup.sh runs the suite on pytest-xdist workers, a file at a time, in the order
# collected (--no-loadscope-reorder). These files take minutes each (quality tests, browser
# runs, trained engines): started last, one of them would be the run's tail.
LONGEST_FIRST = ("test_engine_quality_shaped.py", "test_engine_quality_gaussian.py",
                 "test_web_browser.py", "test_gui_engine.py",
                 "test_web_furniture.py", "test_headphone_check.py", "test_gui_lab_decisions.py",
                 "test_lab_engine.py", "test_import_while_voting.py", "test_simulate.py")


def pytest_collection_modifyitems(items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: others as found


# --- Voice spaces: this machine's cache of built spaces, one per test run -----------------
#
# The app and the commands keep every voice space they build in a cache shared by all
# experiments ($HD_CACHE_DIR, paths.shared_cache_dir), so a new experiment on the bundled
# corpus opens at once. The tests get one of their own for the whole run, shared by the
# xdist workers (the parent of their temporary folders), never the user's ~/.cache.


@pytest.fixture(scope="session", autouse=True)
def shared_space_cache(tmp_path_factory):
    base = tmp_path_factory.getbasetemp()
    folder = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "space-cache"
    os.environ["HD_CACHE_DIR"] = str(folder)
    return folder


# --- Files: a fresh home for sessions and settings, per test ------------------------------


@pytest.fixture
def tmp_home(tmp_path, monkeypatch):
    """Point HD_SESSIONS_DIR and HD_SETTINGS_DIR at empty folders under tmp_path."""
    sessions, settings = tmp_path / "sessions", tmp_path / "settings"
    sessions.mkdir()
    settings.mkdir()
    monkeypatch.setenv("HD_SESSIONS_DIR", str(sessions))
    monkeypatch.setenv("HD_SETTINGS_DIR", str(settings))
    return tmp_path


# --- Audio: a real output device with a real clock, on machines with no sound card --------
#
# The tests start a private JACK dummy server (named per test session, so concurrent test
# runs and a user's own JACK server never collide), point PortAudio at it through
# JACK_DEFAULT_SERVER and re-initialise PortAudio, which only enumerates devices when it
# is initialised. Skipped only when jackd itself is missing; CI installs jackd2.
# The server runs with --sync and a 256-frame period at 48 kHz: no lost frames under load,
# and the latency budget is met (see hd_desktop/audio/jacktest.py).


@pytest.fixture(scope="session")
def jack_server():
    """The name of a running JACK dummy server, stopped at the end of the session."""
    from hd_desktop.audio.jacktest import JackServer

    if not JackServer.available():
        pytest.skip("jackd is not installed (apt install jackd2); real playback tests need "
                    "the JACK dummy output device")
    server = JackServer(f"hd-test-{os.getpid()}").start()
    yield server.name
    server.stop()


@pytest.fixture(scope="session")
def jack_device(jack_server):
    """The JACK dummy device's name; HD_AUDIO_DEVICE selects it for the whole session."""
    from hd_desktop.audio.devices import list_output_devices
    from hd_desktop.audio.jacktest import use_server

    saved = {k: os.environ.get(k) for k in ("JACK_DEFAULT_SERVER", "HD_AUDIO_DEVICE")}
    use_server(jack_server)
    jack = [d for d in list_output_devices() if d.hostapi.startswith("JACK")]
    if not jack:
        pytest.fail(f"PortAudio sees no JACK output device on server {jack_server}")
    os.environ["HD_AUDIO_DEVICE"] = f"{jack[0].name} ({jack[0].hostapi})"
    yield jack[0].name
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    use_server(saved["JACK_DEFAULT_SERVER"])  # let go of our server before it stops


@pytest.fixture
def jack_capture(jack_server, jack_device):
    """A JACK client recording what PortAudio sends; call .attach() once a Player is open."""
    from hd_desktop.audio.jacktest import Capture

    capture = Capture(jack_server)
    yield capture
    capture.close()
