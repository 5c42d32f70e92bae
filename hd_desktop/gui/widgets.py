"""The researcher's tabs' small widgets, made one way everywhere: wrapped labels, number boxes,
choice boxes that keep a choice not present now, read-only tables filled from rows of words."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractButton, QComboBox, QDoubleSpinBox, QGroupBox, QHBoxLayout,
                               QLabel, QLayout, QPushButton, QSpinBox, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)


def key_name(event) -> str:
    """A key event's key by its Qt name ("Key_F"), as the Lab's key tables name it; "" for a
    key Qt has no name for."""
    try:
        return Qt.Key(event.key()).name
    except ValueError:
        return ""


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
        widget.setCurrentIndex(widget.findText(value))      # not among them: none chosen
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


def button(text: str, on_click=None, *, enabled: bool = True, tip: str = "") -> QPushButton:
    """A push button doing `on_click` (called with no arguments)."""
    b = QPushButton(text)
    if on_click is not None:
        b.clicked.connect(lambda _=False: on_click())
    b.setEnabled(enabled)
    b.setToolTip(tip)
    return b


def choices(items, *, on_change=None, tip: str = "") -> QComboBox:
    """A box of texts to choose from; `on_change(text)` when the user picks another."""
    box = QComboBox()
    box.addItems(list(items))
    box.setToolTip(tip)
    if on_change is not None:
        box.currentTextChanged.connect(on_change)
    return box


STRETCH = "<stretch>"     # an item of a row or column: the room left over goes here


def _fill(lay, items, stretch: bool):
    """Widgets, layouts, texts (as labels), STRETCH and (item, stretch factor) pairs into
    `lay`."""
    for item in items:
        if item is STRETCH:
            lay.addStretch()
            continue
        item, factor = item if isinstance(item, tuple) else (item, 0)
        if isinstance(item, QLayout):
            lay.addLayout(item, factor)
        else:
            lay.addWidget(QLabel(item) if isinstance(item, str) else item, factor)
    if stretch:
        lay.addStretch()
    return lay


def row(*items, stretch: bool = False, into: QWidget | None = None) -> QHBoxLayout:
    """Side by side (a text is a label), with room left at the end if `stretch`; `into`: the
    widget this row lays out."""
    return _fill(QHBoxLayout(into), items, stretch)


def column(*items, stretch: bool = False) -> QVBoxLayout:
    """One under the other, with room left at the bottom if `stretch`."""
    return _fill(QVBoxLayout(), items, stretch)


def group(title: str, *items, stretch: bool = False) -> QGroupBox:
    """A titled box holding `items` one under the other."""
    box = QGroupBox(title)
    _fill(QVBoxLayout(box), items, stretch)
    return box


def framed(*items, stretch: bool = False) -> QWidget:
    """A plain widget holding `items` one under the other."""
    widget = QWidget()
    _fill(QVBoxLayout(widget), items, stretch)
    return widget


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


def check_item(text: str, ticked: bool, enabled: bool, data) -> QTableWidgetItem:
    """A table cell with a tick box (greyed out unless `enabled`), carrying `data`."""
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled if enabled
                  else Qt.ItemFlag.ItemIsUserCheckable)
    item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
    item.setData(Qt.ItemDataRole.UserRole, data)
    return item


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
