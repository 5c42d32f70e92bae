"""The researcher's tabs' small widgets, made one way everywhere: wrapped labels, number boxes,
choice boxes that keep a choice not present now, read-only tables filled from rows of words."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractButton, QComboBox, QDoubleSpinBox, QHBoxLayout, QLabel,
                               QSpinBox, QTableWidget, QTableWidgetItem)


def wrapped(text: str = "", *, selectable: bool = False) -> QLabel:
    """A label whose words wrap (and may be selected to copy an id or a path)."""
    label = QLabel(text)
    label.setWordWrap(True)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def spin(low, high, value=None, *, suffix: str = "", prefix: str = "", special: str = ""):
    """A number box over [low, high]: whole numbers, or decimals when `low` is a float."""
    box = QDoubleSpinBox() if isinstance(low, float) else QSpinBox()
    box.setRange(low, high)
    if value is not None:
        box.setValue(value)
    box.setSuffix(suffix)
    box.setPrefix(prefix)
    box.setSpecialValueText(special)
    return box


def set_quietly(widget, value) -> None:
    """Show a stored value without it counting as the user's new choice (no signal)."""
    widget.blockSignals(True)
    if isinstance(widget, QAbstractButton):
        widget.setChecked(bool(value))
    elif isinstance(widget, QComboBox):
        widget.setCurrentText(value)
    else:
        widget.setValue(value)
    widget.blockSignals(False)


def fill_choices(box: QComboBox, choices, chosen) -> None:
    """(text, data) pairs into `box`, `chosen` (data) selected; a choice not among them (a
    device unplugged now) stays the choice, listed by itself."""
    box.clear()
    for text, data in choices:
        box.addItem(text, data)
    if chosen and box.findData(chosen) < 0:
        box.addItem(chosen, chosen)
    box.setCurrentIndex(max(0, box.findData(chosen)) if chosen else 0)


def row(*widgets, stretch: bool = False) -> QHBoxLayout:
    """Widgets side by side (a text is a label), with room left at the end if `stretch`."""
    lay = QHBoxLayout()
    for w in widgets:
        lay.addWidget(QLabel(w) if isinstance(w, str) else w)
    if stretch:
        lay.addStretch()
    return lay


def table(headers, *, min_height: int | None = None, max_height: int | None = None,
          stretch_last: bool = False) -> QTableWidget:
    """A table with these column headers and no row numbers."""
    widget = QTableWidget(0, len(headers))
    widget.setHorizontalHeaderLabels(list(headers))
    widget.verticalHeader().hide()
    if min_height:
        widget.setMinimumHeight(min_height)
    if max_height:
        widget.setMaximumHeight(max_height)
    widget.horizontalHeader().setStretchLastSection(stretch_last)
    return widget


def fill_table(table: QTableWidget, rows, *, red=lambda i: False, bold=lambda i: False,
               tips: bool = False) -> None:
    """Each row's cells (text, or an item made already) in `table`, read-only; rows where
    `red(i)` is true in red (left out, excluded), where `bold(i)` in bold; with `tips`, each
    cell's text is its tooltip too (a long reason)."""
    table.setRowCount(len(rows))
    for i, cells in enumerate(rows):
        for j, cell in enumerate(cells):
            item = cell if isinstance(cell, QTableWidgetItem) else QTableWidgetItem(cell)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            if red(i):
                item.setForeground(Qt.GlobalColor.red)
            if bold(i):
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            if tips:
                item.setToolTip(item.text())
            table.setItem(i, j, item)
    table.resizeColumnsToContents()
