"""The Voice map tab: the map with its layer switches and exports, and the space's details."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QPlainTextEdit, QPushButton, QWidget

from hd_desktop.gui.map_layers import LAYER_LABELS, LAYERS, LearnedLayers
from hd_desktop.gui.map_view import VoiceMap
from hd_desktop.gui.widgets import STRETCH, column, group, row, wrapped
from hd_desktop.lab import map_figures


class MapTab(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.space = None
        self.map = VoiceMap()
        self.layers = LearnedLayers(self.map)
        self.space_label = wrapped()
        row((column(self.space_label, self._layer_bar(), (self.map, 1)), 1),
            self._details_panel(), into=self)

    def _layer_bar(self) -> QHBoxLayout:
        self.layer_boxes = {}
        for name in LAYERS:
            box = QCheckBox(LAYER_LABELS[name])
            box.setChecked(True)
            box.toggled.connect(lambda on, n=name: self.layers.show(n, on))
            self.layer_boxes[name] = box
        self.export_buttons = {fmt: QPushButton(f"Export {fmt}…") for fmt in ("PNG", "SVG")}
        return row("Show:", *self.layer_boxes.values(), STRETCH, *self.export_buttons.values())

    def _details_panel(self) -> QWidget:
        self.details = wrapped(selectable=True)
        self.problems_view = QPlainTextEdit()
        self.problems_view.setReadOnly(True)
        box = group("Voice space", self.details, "Files skipped or changed:",
                    (self.problems_view, 1))
        box.setFixedWidth(280)
        return box

    def set_space(self, space, corpus, experiment) -> None:
        """The real voices on the map, and what the space is made of beside it."""
        self.space = space
        words = map_figures.space_words(space, corpus, experiment)
        self.map.set_real(space.coords, words.labels, space.info()["explained_variance"])
        self.space_label.setText(words.how_to)
        self.details.setText(words.details)
        self.problems_view.setPlainText(words.problems)

    def show_model(self, result, samples_per_round: dict, votes=None) -> None:
        """What a model learned: S_D, S_VD, the neighbours' estimates (with the votes behind
        each, lab.neighbour_votes), the samples of each round."""
        from hd_desktop.lab.previews import learned_surface

        extent = map_figures.extent(self.space.coords, result.samples)
        self.layers.set_model(learned_surface(result, self.space.dims), extent)
        self.layers.set_estimates(result.estimates.x, result.estimates.d, votes)
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

