"""What the voice map draws, as numbers and words (no Qt): the space's description, how far the
map reaches, S_D on a grid (the heat map), S_VD as arrows, a neighbour's tooltip. The map tab
(gui/map_tab.py, gui/map_layers.py) only hands these to pyqtgraph."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def grid(extent: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """An n x n grid over [-extent, extent]^2: (axis values, points (n*n, 2) row-major in y)."""
    axis = np.linspace(-extent, extent, n)
    xx, yy = np.meshgrid(axis, axis)
    return axis, np.c_[xx.ravel(), yy.ravel()]


def extent(real: np.ndarray, samples: np.ndarray) -> float:
    """Half the width the map shows once a model is drawn: the real voices and nearly all the
    samples (their 99th percentile), at least 3 SD."""
    return max(3.0, float(np.abs(real).max()) * 1.3,
               float(np.percentile(np.abs(samples), 99)) * 1.1)


@dataclass(frozen=True)
class Heat:
    """S_D on the grid: the image (x-major, as pyqtgraph's ImageItem wants it), its top level,
    and the rectangle it covers (x, y, width, height)."""

    image: np.ndarray
    top: float
    rect: tuple[float, float, float, float]


def heat(predict, extent: float, n: int = 120) -> Heat:
    """S_D of `predict(z) -> (S_D, S_VD)` on an n x n grid over the map."""
    axis, points = grid(extent, n)
    d, _ = predict(points)
    image = np.asarray(d, dtype=float).reshape(n, n).T
    step = axis[1] - axis[0]
    return Heat(image, max(1e-6, float(np.nanmax(image))),
                (axis[0] - step / 2, axis[0] - step / 2, step * n, step * n))


def arrows(predict, extent: float, n: int = 17) -> tuple[np.ndarray, np.ndarray]:
    """S_VD as arrows on an n x n grid: (shafts as point pairs (2n², 2), tips (n², 2)), scaled
    so the 95th percentile arrow is 0.8 of the grid's step."""
    _, points = grid(extent * 0.95, n)
    _, g = predict(points)
    g = np.asarray(g, dtype=float)[:, :2]
    scale = (2 * extent / n) * 0.8 / max(float(np.percentile(np.linalg.norm(g, axis=1), 95)),
                                         1e-9)
    tips = points + g * scale
    shafts = np.empty((2 * len(points), 2))
    shafts[0::2], shafts[1::2] = points, tips
    return shafts, tips


def neighbour_tip(x: float, y: float, d: float, votes, i: int) -> str:
    """A neighbour's tooltip: its estimated D, and the votes behind it with the interval they
    allow (lab.neighbour_votes), when known."""
    head = f"neighbour ({x:.2f}, {y:.2f})\nestimated D = {d:.2f}"
    if votes is None or votes.votes[i] <= 0:
        return head + " (its votes are not known)"
    n = int(votes.votes[i])
    return (head + f", 95% interval {votes.lo[i]:.2f}–{votes.hi[i]:.2f}\n"
            f"from {n} vote{'s' if n != 1 else ''} ({int(votes.accepts[i])} natural)")


@dataclass(frozen=True)
class SpaceWords:
    """The map tab's words about the voice space."""

    how_to: str             # over the map: click to hear, what the dots are
    details: str            # beside it: items, speakers, corpus, dimensions, fingerprint
    problems: str           # files skipped or changed while the space was built
    labels: list            # each real voice's "speaker — item"


def space_words(space, corpus, experiment) -> SpaceWords:
    info = space.info()
    more = space.dims - 2
    how_to = ("Click anywhere on the map to hear the voice at that point. Blue dots are real "
              "voices (hover for the speaker)."
              + (f" The map is the plane of axes 1 and 2: clicks, S_D and S_VD are at 0 on the "
                 f"other {more} ax{'is' if more == 1 else 'es'} (the real voices' mean), and the "
                 f"dots are projected onto it." if more > 0 else ""))
    variance = ", ".join(f"{e:.0%}" for e in info["explained_variance"])
    details = (f"<b>{info['n_items']}</b> real items of <b>{info['n_speakers']}</b> speakers<br>"
               f"corpus: {corpus or 'bundled (AMI meeting corpus)'}<br>"
               f"{info['dims']} dimensions, explaining {variance} of the variance<br>"
               f"units: one unit = one SD of the real voices along that axis<br>"
               f"fingerprint: <tt>{space.fingerprint[:16]}</tt><br>"
               f"experiment: {experiment}")
    return SpaceWords(how_to, details, "\n".join(space.problems) or "none",
                      [f"{spk} — {item}" for spk, item in zip(space.speakers, space.items)])
