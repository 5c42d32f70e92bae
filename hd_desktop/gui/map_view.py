"""The voice map: real voices as points (speaker on hover), click anywhere to hear that voice."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal

from hd_desktop.voice import UNITS

REAL_BRUSH = pg.mkBrush(40, 110, 200, 200)
MARK_PEN = pg.mkPen(200, 40, 40, width=2)


class VoiceMap(pg.PlotWidget):
    """A 2-D view of the voice space (the first two axes when it has more)."""

    pointClicked = Signal(float, float)

    def __init__(self, parent=None):
        super().__init__(parent, background="w")
        self.setMenuEnabled(False)
        self.showGrid(x=True, y=True, alpha=0.2)
        self.setAspectLocked(True)
        self.setLabel("bottom", "axis 1 (SD units)")
        self.setLabel("left", "axis 2 (SD units)")
        self.setToolTip(f"Click anywhere to hear that voice.\n{UNITS}.")
        self.real = pg.ScatterPlotItem(size=9, pen=pg.mkPen("w"), brush=REAL_BRUSH,
                                       hoverable=True, hoverSize=13, tip=self._tip)
        self.real.setZValue(10)
        self.mark = pg.ScatterPlotItem(size=16, symbol="+", pen=MARK_PEN, brush=None)
        self.mark.setZValue(20)
        self.addItem(self.real)
        self.addItem(self.mark)
        self._labels: list[str] = []
        self.scene().sigMouseClicked.connect(self._on_click)

    def set_real(self, coords: np.ndarray, labels: list[str], explained: list[float] | None = None):
        """Show the real items; `labels[i]` is shown on hover."""
        self._labels = list(labels)
        xy = np.asarray(coords)[:, :2]
        self.real.setData(x=xy[:, 0], y=xy[:, 1], data=np.arange(len(xy)))
        if explained:
            for side, i in (("bottom", 0), ("left", 1)):
                self.setLabel(side, f"axis {i + 1} (SD units, {explained[i]:.0%} of variance)")
        span = max(3.0, float(np.abs(xy).max()) * 1.15)
        self.setRange(xRange=(-span, span), yRange=(-span, span), padding=0)

    def mark_point(self, x: float, y: float) -> None:
        self.mark.setData([x], [y])

    def click_at(self, x: float, y: float) -> QPointF:
        """Widget coordinates of the space point (x, y): what a user would click."""
        scene = self.plotItem.vb.mapViewToScene(QPointF(x, y))
        return self.mapFromScene(scene)

    def _tip(self, x, y, data):
        return f"{self._labels[int(data)]}\n({x:.2f}, {y:.2f})" if self._labels else ""

    def _on_click(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:  # the view's own menu is disabled
            return
        vb = self.plotItem.vb
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        p = vb.mapSceneToView(event.scenePos())
        self.pointClicked.emit(p.x(), p.y())
