"""The Voice map tab: the map with its layer switches and exports, and the space's details."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QGroupBox, QHBoxLayout, QLabel, QPlainTextEdit,
                               QPushButton, QVBoxLayout, QWidget)

from hd_desktop.gui.map_layers import LAYER_LABELS, LAYERS, LearnedLayers
from hd_desktop.gui.map_view import VoiceMap


class MapTab(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.space = None
        self.map = VoiceMap()
        self.layers = LearnedLayers(self.map)
        lay = QHBoxLayout(self)
        left = QVBoxLayout()
        self.space_label = QLabel()
        self.space_label.setWordWrap(True)
        left.addWidget(self.space_label)
        left.addLayout(self._layer_bar())
        left.addWidget(self.map, 1)
        lay.addLayout(left, 1)
        lay.addWidget(self._details_panel())

    def _layer_bar(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(QLabel("Show:"))
        self.layer_boxes = {}
        for name in LAYERS:
            box = QCheckBox(LAYER_LABELS[name])
            box.setChecked(True)
            box.toggled.connect(lambda on, n=name: self.layers.show(n, on))
            row.addWidget(box)
            self.layer_boxes[name] = box
        row.addStretch()
        self.export_buttons = {}
        for fmt in ("PNG", "SVG"):
            b = QPushButton(f"Export {fmt}…")
            row.addWidget(b)
            self.export_buttons[fmt] = b
        return row

    def _details_panel(self) -> QWidget:
        box = QGroupBox("Voice space")
        box.setFixedWidth(280)
        lay = QVBoxLayout(box)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.details)
        lay.addWidget(QLabel("Files skipped or changed:"))
        self.problems_view = QPlainTextEdit()
        self.problems_view.setReadOnly(True)
        lay.addWidget(self.problems_view, 1)
        return box

    def set_space(self, space, corpus, experiment) -> None:
        """The real voices on the map, and what the space is made of beside it."""
        self.space = space
        info = space.info()
        labels = [f"{spk} — {item}" for spk, item in zip(space.speakers, space.items)]
        self.map.set_real(space.coords, labels, info["explained_variance"])
        more = space.dims - 2
        self.space_label.setText(
            "Click anywhere on the map to hear the voice at that point. Blue dots are real "
            "voices (hover for the speaker)."
            + (f" The map is the plane of axes 1 and 2: clicks, S_D and S_VD are at 0 on the "
               f"other {more} ax{'is' if more == 1 else 'es'} (the real voices' mean), and the "
               f"dots are projected onto it." if more > 0 else ""))
        variance = ", ".join(f"{e:.0%}" for e in info["explained_variance"])
        self.details.setText(
            f"<b>{info['n_items']}</b> real items of <b>{info['n_speakers']}</b> speakers<br>"
            f"corpus: {corpus or 'bundled (AMI meeting corpus)'}<br>"
            f"{info['dims']} dimensions, explaining {variance} of the variance<br>"
            f"units: one unit = one SD of the real voices along that axis<br>"
            f"fingerprint: <tt>{space.fingerprint[:16]}</tt><br>"
            f"experiment: {experiment}")
        self.problems_view.setPlainText("\n".join(space.problems) or "none")

    def show_model(self, result, samples_per_round: dict, votes=None) -> None:
        """What a model learned: S_D, S_VD, the neighbours' estimates (with the votes behind
        each, lab.neighbour_votes), the samples of each round."""
        from hd_desktop.lab.previews import learned_surface

        dims = self.space.dims
        extent = max(3.0, float(np.abs(self.space.coords).max()) * 1.3,
                     float(np.percentile(np.abs(result.samples), 99)) * 1.1)
        self.layers.set_model(learned_surface(result, dims), extent)
        est = result.estimates
        self.layers.set_estimates(est.x, est.d, votes)
        self.layers.set_samples(samples_per_round)
        self.map.setRange(xRange=(-extent, extent), yRange=(-extent, extent), padding=0)

    def export_map(self, path: Path) -> Path:
        """The map as drawn (layers as shown), PNG or SVG by the file's suffix, for papers.

        SVG goes through Qt's own QSvgGenerator: pyqtgraph 0.14's SVG exporter fails on the
        closed paths of the legend and colour bar (pyqtgraph issue 3495).
        """
        path = Path(path)
        if path.suffix.lower() == ".svg":
            from PySide6.QtCore import QRect, QSize
            from PySide6.QtGui import QPainter
            from PySide6.QtSvg import QSvgGenerator

            size = self.map.size()
            gen = QSvgGenerator()
            gen.setFileName(str(path))
            gen.setSize(QSize(size.width(), size.height()))
            gen.setViewBox(QRect(0, 0, size.width(), size.height()))
            gen.setTitle("hd-desktop voice map")
            gen.setDescription(f"Voice space {self.space.fingerprint[:16] if self.space else ''}; "
                               "one unit = one SD of the real voices along that axis")
            painter = QPainter(gen)
            self.map.render(painter)
            painter.end()
        else:
            import pyqtgraph.exporters as exporters

            exporter = exporters.ImageExporter(self.map.plotItem)
            exporter.parameters()["width"] = 1600
            exporter.export(str(path))
        return path

