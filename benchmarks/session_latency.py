"""Vote -> next stimulus audible, through the whole app path, beside the 20 ms budget (docs/design.md 5).

    .venv/bin/python benchmarks/session_latency.py [--trials 200]

A real SessionWindow (offscreen) on a scratch experiment, the real Player on a private JACK
dummy server (48 kHz, 256-frame periods). For each trial the listener's key press runs the
whole path: the vote's durable SQLite commit (synchronous=FULL), the next stimulus from the
prefetcher, the hand-over to the audio callback, and the device's output latency. "Audible"
is the DAC time of the next stimulus's first frame, as PortAudio reports it.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from hd_desktop.audio.jacktest import JackServer, use_server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200)
    args = parser.parse_args()
    jack = JackServer(f"hd-bench-{os.getpid()}").start()
    use_server(jack.name)
    try:
        run(args.trials)
    finally:
        use_server(None)
        jack.stop()


def run(n_trials: int) -> None:
    from hd_desktop.design import DesignParams
    from hd_desktop.gui.audio_output import AudioOutput
    from hd_desktop.gui.session_window import SessionWindow
    from hd_desktop.lab import Lab
    from hd_desktop.session.states import FlowSettings, Phase
    from hd_desktop.voice import load_space

    app = QApplication([])
    tmp = tempfile.mkdtemp()
    space = load_space(cache_dir=os.path.join(tmp, "space"))
    lab = Lab(os.path.join(tmp, "exp"), space)
    lab.set_settings(auto_update=False)   # the listener's path alone (gui_engine.py: with updates)
    lab.create_round(DesignParams(n_anchors=20, m_neighbours=2, r_pairs=3, seed=1))
    flow = lab.new_session(n_trials, seed=1, settings=FlowSettings(break_every_trials=10**6,
                                                                   break_every_minutes=10**6))
    audio = AudioOutput()
    if not audio.open("JACK"):
        raise SystemExit(audio.problem)
    from hd_desktop.voice.render_pool import RenderPool

    renderer = RenderPool(space)          # as the app renders: WORLD in a worker process
    w = SessionWindow(flow, space, audio, renderer=renderer)
    w.show()
    QTest.keyClicks(w.listener_page.listener, "bench")
    for _ in range(3):
        QTest.keyClick(w.listener_page.listener if flow.phase == Phase.LISTENER else w,
                       Qt.Key.Key_Return)
    delays, commits = [], []
    while flow.phase in (Phase.PRACTICE, Phase.TRIALS):
        practice = flow.phase == Phase.PRACTICE
        deadline = time.monotonic() + 5
        while not w.trial_page.accept.isEnabled():
            app.processEvents()
            if time.monotonic() > deadline:
                raise SystemExit("the next voice never started")
        QTest.qWait(5)   # a listener's key press arrives while the voice plays
        t_vote = time.monotonic()
        QTest.keyClick(w, Qt.Key.Key_F)
        commits.append(time.monotonic() - t_vote)
        if flow.phase not in (Phase.PRACTICE, Phase.TRIALS):
            break
        onset = w._playback.wait_started(timeout=2)
        if not practice and onset is not None:
            delays.append(onset.monotonic - t_vote)
    w.close()
    renderer.close()
    audio.close()
    lab.close()
    ms = np.array(delays) * 1000
    print(f"vote -> next stimulus audible over {len(ms)} trials (JACK dummy, 48 kHz, 256-frame period)")
    print(f"  p50 {np.percentile(ms, 50):6.1f} ms   p95 {np.percentile(ms, 95):6.1f} ms   "
          f"max {ms.max():6.1f} ms   budget: p95 under 20 ms (ratio {np.percentile(ms, 95) / 20:.2f})")
    c = np.array(commits) * 1000
    print(f"  of which the key handler (commit + hand-over): p50 {np.median(c):.1f} ms, "
          f"p95 {np.percentile(c, 95):.1f} ms")


if __name__ == "__main__":
    main()
