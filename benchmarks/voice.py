"""Voice-space and rendering speed on this machine, beside the budgets of docs/design.md section 5.

    .venv/bin/python benchmarks/voice.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from hd_desktop.voice import load_space


def timed(fn, repeat):
    times = []
    for i in range(repeat):
        t = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - t)
    return np.array(times) * 1000


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)
        t = time.perf_counter()
        space = load_space(cache_dir=cache)
        cold = time.perf_counter() - t
        cached = timed(lambda i: load_space(cache_dir=cache), 5)
    rng = np.random.default_rng(0)
    points = rng.normal(0, 1.5, size=(100, space.dims))
    space.render(points[0])  # first call loads pyloudnorm's filters
    sustained = timed(lambda i: space.render(points[i % 100], "sustained"), 100)
    sentence_len = len(space.render(points[0], "sentence")[0]) / space.sample_rate
    sentence = timed(lambda i: space.render(points[i % 100], "sentence"), 30)
    # DESIGN's 3 s sentence: the bundled carrier's first 3 s, rendered by the same code
    import dataclasses

    from hd_desktop.voice.render import apply_voice

    full = space.carriers["sentence"]
    frames = int(3.0 * 1000 / space.settings.world.frame_period_ms) + 1
    three = dataclasses.replace(full, f0=full.f0[:frames], sp=full.sp[:frames], ap=full.ap[:frames])

    def render_three(i):
        v = space.pca.to_vector(points[i % 100])
        apply_voice(three, v[:-1], float(v[-1]), space.settings.world)

    sentence3 = timed(render_three, 30)
    print(f"corpus: {len(space.items)} items of {len(set(space.speakers))} speakers")
    print(f"{'what':44} {'median':>9} {'p95':>9}  budget")
    rows = [
        ("render one 1 s sustained stimulus", sustained, "15 ms"),
        ("render one 3 s sentence stimulus", sentence3, "(none; 1 s sustained is the trial stimulus)"),
        (f"render the whole {sentence_len:.1f} s sentence carrier", sentence, "(none)"),
    ]
    for name, ms, budget in rows:
        print(f"{name:44} {np.median(ms):7.1f}ms {np.percentile(ms, 95):7.1f}ms  {budget}"
              f"  ratio {np.percentile(ms, 95) / 15:.2f}" if budget == "15 ms" else
              f"{name:44} {np.median(ms):7.1f}ms {np.percentile(ms, 95):7.1f}ms  {budget}")
    print(f"{'build the voice space, cold':44} {cold:8.2f}s {'':>9}  30 s  ratio {cold / 30:.3f}")
    print(f"{'open the voice space, cached':44} {np.median(cached):7.1f}ms "
          f"{np.percentile(cached, 95):7.1f}ms  1 s  ratio {np.percentile(cached, 95) / 1000:.3f}")


if __name__ == "__main__":
    main()
