"""Vote -> next stimulus audible, through a real clocked output device (JACK dummy).

A session plays stimuli rendered ahead; the listener votes, and the vote calls
player.play(next_buffer). This measures, for 200 such votes, the time from the vote to the
DAC time of the next stimulus's first frame (PortAudio's outputBufferDacTime converted to
time.monotonic()), and cross-checks it with when the sound actually entered the JACK graph
(a capture client) plus the device's output latency.

    .venv/bin/python benchmarks/latency.py [--trials 200] [--period 256] [--reuse]

Starts a private jackd (dummy backend, --sync, 48 kHz) unless --reuse is given and a
default JACK server is running. Budget (docs/design.md section 5): p95 under 20 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import threading
import time

import numpy as np

from hd_desktop.audio import Player
from hd_desktop.audio.jacktest import PERIOD, Capture, JackServer, server_running, use_server

BUDGET_MS = 20.0


def stimuli(n: int, sr: int = 16000, seconds: float = 0.08) -> list[tuple[np.ndarray, int]]:
    t = np.arange(int(sr * seconds)) / sr
    return [((0.3 * np.sin(2 * np.pi * (300 + 5 * i) * t)).astype(np.float32), sr)
            for i in range(n)]


def run_session(player: Player, capture: Capture, n: int, seed: int = 0):
    """Play n stimuli, each 'voted' on 20-60 ms after the previous one ended."""
    rng = random.Random(seed)
    ready = [player.prepare(a, sr) for a, sr in stimuli(n)]  # rendered ahead, as prefetch does
    votes, playbacks = [], []
    previous = None
    for buffer in ready:
        if previous is not None:
            previous.wait(timeout=2)
            time.sleep(rng.uniform(0.02, 0.06))  # the listener's response after the sound
        votes.append(time.monotonic())
        previous = player.play(buffer)
        playbacks.append(previous)
    previous.wait(timeout=2)
    time.sleep(0.05)
    return votes, playbacks


def captured_onsets(capture: Capture, votes: list[float], latency: float) -> list[float]:
    """For each vote, when the first sound after it entered the graph, plus output latency.

    A sample's graph time is its cycle's capture-callback time plus its offset in the
    cycle; an onset is a sound sample after at least 1 ms of digital silence.
    """
    blocks = capture.blocks()
    sr = capture.samplerate
    signal = np.concatenate([data for _, _, data in blocks])
    times = np.concatenate([mono + np.arange(len(data)) / sr for _, mono, data in blocks])
    sound = np.flatnonzero(np.abs(signal) > 1e-6)
    starts = sound[np.r_[True, np.diff(sound) > sr // 1000]]
    start_times = times[starts] + latency
    onsets = []
    for vote in votes:
        i = np.searchsorted(start_times, vote + latency)  # nothing played before the vote
        onsets.append(start_times[i] if i < len(start_times) else float("nan"))
    return onsets


def summary(label: str, ms: np.ndarray) -> str:
    ms = ms[np.isfinite(ms)]
    p50, p95, worst = np.percentile(ms, 50), np.percentile(ms, 95), ms.max()
    verdict = "meets" if p95 < BUDGET_MS else "MISSES"
    return (f"{label:<38} p50 {p50:6.2f}  p95 {p95:6.2f}  max {worst:6.2f} ms"
            f"   [budget p95 < {BUDGET_MS:.0f} ms: {verdict}]  (n={len(ms)})")


def _spin() -> None:
    x = 0
    while True:
        x = (x + 1) % 1000003


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--period", type=int, default=PERIOD, help="JACK frames per period")
    parser.add_argument("--reuse", action="store_true", help="use a running default server")
    parser.add_argument("--busy", action="store_true",
                        help="keep a pure-Python thread busy meanwhile (a GUI or renderer "
                             "holding the GIL), to see what it costs the audio callback")
    args = parser.parse_args(argv)
    if args.busy:
        threading.Thread(target=_spin, daemon=True).start()

    server = None
    if args.reuse and server_running(None):
        use_server(None)
        name = None
    else:
        server = JackServer(f"hd-bench-{os.getpid()}", period=args.period).start()
        name = server.name
        use_server(name)
    try:
        capture = Capture(name, name="hd-bench-capture")
        with Player() as player:
            capture.attach()
            period_ms = 1000 * capture.blocksize / capture.samplerate
            print(f"device: {player.device.label()}  {player.sample_rate} Hz, "
                  f"JACK period {capture.blocksize} frames = {period_ms:.2f} ms"
                  + (" (server started here, --sync)" if server else " (reused server)"))
            votes, playbacks = run_session(player, capture, args.trials)
            xruns = player.xruns
        capture.close()
    finally:
        use_server(None)
        if server is not None:
            server.stop()

    onsets = [p.onset for p in playbacks]
    missing = sum(o is None for o in onsets)
    latency = np.median([o.output_latency for o in onsets if o])
    dac_ms = np.array([1000 * (o.monotonic - v) if o else np.nan for o, v in zip(onsets, votes)])
    wait_ms = np.array([1000 * (o.monotonic - o.output_latency - v) if o else np.nan
                        for o, v in zip(onsets, votes)])
    cap_ms = 1000 * (np.array(captured_onsets(capture, votes, latency)) - np.array(votes))
    print(f"{args.trials} votes; output latency {1000 * latency:.2f} ms; xruns {xruns}; "
          f"stimuli that never started {missing}")
    print(summary("vote -> audible (DAC time of 1st frame)", dac_ms))
    print(summary("vote -> audible (JACK capture + latency)", cap_ms))
    print(summary("  of which: vote -> next audio cycle", wait_ms))
    return 0 if np.nanpercentile(dac_ms, 95) < BUDGET_MS and not missing else 1


if __name__ == "__main__":
    sys.exit(main())
