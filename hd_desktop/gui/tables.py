"""Rows of words into a table widget, read-only and sized to them (the tabs' tables)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidget, QTableWidgetItem


def fill_table(table: QTableWidget, rows, *, red=lambda i: False) -> None:
    """Each row's cells (text, or an item made already) in `table`; rows where `red(i)` is
    true in red (left out, excluded)."""
    table.setRowCount(len(rows))
    for i, cells in enumerate(rows):
        for j, cell in enumerate(cells):
            item = cell if isinstance(cell, QTableWidgetItem) else QTableWidgetItem(cell)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            if red(i):
                item.setForeground(Qt.GlobalColor.red)
            table.setItem(i, j, item)
    table.resizeColumnsToContents()
