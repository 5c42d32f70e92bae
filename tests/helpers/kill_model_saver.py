"""Saves engine results (a model and its samples) until killed: the model-save kill test's helper.

    python kill_model_saver.py FOLDER COUNT PAUSE

Saves COUNT models of round 0, each with its samples. Between storing a model and storing its
samples it prints "between <n>" and waits PAUSE seconds (the moment the test kills it); after
`save_model` returned it prints "saved <model id>". Lines are flushed as they are printed.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from hd_desktop.store import Experiment
from hd_desktop.store import models as models_sql


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def main(folder: str, count: int, pause: float) -> None:
    exp = Experiment.open(folder, create=False)
    store_samples = models_sql.save_samples

    def slow_samples(*args, **kwargs):
        say(f"between {n}")
        time.sleep(pause)
        return store_samples(*args, **kwargs)

    models_sql.save_samples = slow_samples
    for n in range(count):
        z = np.random.default_rng(n).normal(size=(50, 2))
        model_id = exp.save_model(0, {"width": 8}, [{"step": 0, "loss": 1.0}],
                                  bytes([n % 256]) * 4000, {"votes": n},
                                  samples=(z, 100 + n, {"steps": 10}))
        say(f"saved {model_id}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]))
