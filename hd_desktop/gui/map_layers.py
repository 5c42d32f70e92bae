"""What the engine learned, drawn on the voice map: S_D as a heat map, S_VD as arrows, the
neighbours with their estimated D, and the samples of each round (the paper's Evaluation 1).
The figures' numbers and words are the Lab's (hd_desktop.lab.map_figures)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from hd_desktop.lab import map_figures

HEAT = pg.colormap.get("viridis")
ROUND_COLOURS = [(230, 120, 20), (200, 30, 120), (120, 60, 200), (20, 160, 140), (120, 120, 0)]
LAYERS = ("heat", "arrows", "real", "neighbours", "samples")
LAYER_LABELS = {"heat": "Acceptance S_D", "arrows": "Gradient S_VD", "real": "Real voices",
                "neighbours": "Neighbours (estimated D)", "samples": "Samples"}


class LearnedLayers:
    """Owns the learned layers of one VoiceMap; `show(name, on)` switches a layer."""

    def __init__(self, view):
        self.view = view
        self.heat = pg.ImageItem()
        self.heat.setColorMap(HEAT)
        self.heat.setZValue(-10)
        self.heat.setOpacity(0.85)
        self.arrows = pg.PlotDataItem(connect="pairs", pen=pg.mkPen(255, 255, 255, 220, width=1.5))
        self.arrow_tips = pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(255, 255, 255, 230))
        self.arrows.setZValue(5)
        self.arrow_tips.setZValue(5)
        self.neighbours = pg.ScatterPlotItem(size=7, pen=pg.mkPen(40, 40, 40), symbol="s",
                                             hoverable=True, tip=self._neighbour_tip)
        self.neighbours.setZValue(8)
        self.sample_items: list[pg.ScatterPlotItem] = []
        self._estimates = None
        self.colorbar = None
        for item in (self.heat, self.arrows, self.arrow_tips, self.neighbours):
            view.addItem(item)
        self.legend = view.plotItem.addLegend(offset=(10, 10), brush=pg.mkBrush(255, 255, 255, 210),
                                              labelTextColor=(20, 20, 20))
        self.legend.addItem(view.real, "real voices")
        self._neighbours_in_legend = False
        self.visible = {name: True for name in LAYERS}

    def set_model(self, predict, extent: float, n_heat: int = 120, n_arrows: int = 17) -> None:
        """Draw S_D on a grid and S_VD as arrows, from `predict(z) -> (S_D, S_VD)`."""
        heat = map_figures.heat(predict, extent, n_heat)
        self.heat.setImage(heat.image, levels=(0.0, heat.top))
        self.heat.setRect(QRectF(*heat.rect))
        if self.colorbar is None:
            self.colorbar = pg.ColorBarItem(values=(0, 1), colorMap=HEAT, label="S_D (acceptance)",
                                            interactive=False)
            self.colorbar.setImageItem(self.heat, insert_in=self.view.plotItem)
        self.colorbar.setLevels((0.0, heat.top))
        shafts, tips = map_figures.arrows(predict, extent, n_arrows)
        self.arrows.setData(shafts[:, 0], shafts[:, 1])
        self.arrow_tips.setData(tips[:, 0], tips[:, 1])

    def set_estimates(self, x: np.ndarray, d: np.ndarray, votes=None) -> None:
        """Neighbours coloured by estimated D; `votes` (lab.neighbour_votes.NeighbourVotes)
        gives each tooltip its votes and the interval they allow."""
        self._estimates = (x, d, votes)
        brushes = [pg.mkBrush(HEAT.map(float(np.clip(v, 0, 1)), mode="qcolor")) for v in d]
        self.neighbours.setData(x=x[:, 0], y=x[:, 1], brush=brushes, data=np.arange(len(x)))
        if not self._neighbours_in_legend:
            self.legend.addItem(self.neighbours, "neighbours (colour: estimated D)")
            self._neighbours_in_legend = True

    def set_samples(self, per_round: dict[int, np.ndarray]) -> None:
        for item in self.sample_items:
            self.view.removeItem(item)
            self.legend.removeItem(item)
        self.sample_items = []
        for r, z in sorted(per_round.items()):
            colour = ROUND_COLOURS[r % len(ROUND_COLOURS)]
            item = pg.ScatterPlotItem(x=z[:, 0], y=z[:, 1], size=4, pen=None,
                                      brush=pg.mkBrush(*colour, 150))
            item.setZValue(6)
            self.view.addItem(item)
            self.legend.addItem(item, f"samples, round {r}")
            item.setVisible(self.visible["samples"])
            self.sample_items.append(item)

    def show(self, name: str, on: bool) -> None:
        self.visible[name] = on
        items = {"heat": [self.heat], "arrows": [self.arrows, self.arrow_tips],
                 "real": [self.view.real], "neighbours": [self.neighbours],
                 "samples": self.sample_items}[name]
        for item in items:
            item.setVisible(on)

    def _neighbour_tip(self, x, y, data):
        if self._estimates is None:
            return ""
        _, d, votes = self._estimates
        return map_figures.neighbour_tip(x, y, d[int(data)], votes, int(data))
