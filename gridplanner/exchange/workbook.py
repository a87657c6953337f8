"""The XLSX export: the hierarchy and the roster as people read them, in one language.

Everything a person reads is in the chosen language (``zh`` or ``en``): headers, sheet
names, levels (网格 / Grid), grid kinds (普通网格 / 专属网格), employment (专职 / 兼职)
and any other enumerated value a column holds. Codes are stored as text (format ``@``)
so leading digits never change. The importer reads the labels back in either language.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook

from gridplanner.exchange.output import file_beside
from gridplanner.levels import LEVELS, Level, NodeKind, kind_label
from gridplanner.model import employment_label

FIELD_LABELS_ZH = {
    "code": "编码",
    "name": "名称",
    "level": "层级",
    "parent_code": "上级编码",
    "kind": "类型",
    "dedicated_type": "专属类型",
    "urban_rural_code": "城乡分类代码",
    "households": "户数",
    "population": "人口",
    "buildings": "楼栋数",
    "workers": "网格员（折算）",
    "worker_count": "网格员人数",
    "cjt349_code": "CJ/T 349 网格编码",
}
FIELD_LABELS_EN = {
    "code": "Code",
    "name": "Name",
    "level": "Level",
    "parent_code": "Parent code",
    "kind": "Kind",
    "dedicated_type": "Dedicated type",
    "urban_rural_code": "Urban-rural code",
    "households": "Households",
    "population": "Population",
    "buildings": "Buildings",
    "workers": "Workers (full-time equivalent)",
    "worker_count": "Worker count",
    "cjt349_code": "CJ/T 349 grid code",
}
#: The XLSX workbook's words that are not field labels (zh, en).
XLSX_WORDS = {
    "ratio": ("户/人", "Households per worker"),
    "hierarchy": ("层级", "Hierarchy"),
    "roster": ("网格员", "Workers"),
    "roster_headers": (
        ("姓名", "角色", "专兼职", "折算", "网格编码"),
        ("Name", "Role", "Employment", "Capacity", "Grid code"),
    ),
    "phone": ("联系电话", "Phone"),
}


def value_labels() -> dict[str, Callable[[object, str], str | None]]:
    """Columns whose values are codes people read with their names, and how: the
    urban-rural code as ``111 主城区`` (the importer reads that back as ``111``).
    ``kind`` and ``level`` have their own cells below."""
    from gridplanner.code_rules import urban_rural_label

    return {"urban_rural_code": urban_rural_label}


def field_label(column: str, lang: str) -> str:
    """A column's header in ``lang`` (the column name itself when it has no label)."""
    labels = FIELD_LABELS_EN if lang == "en" else FIELD_LABELS_ZH
    return labels.get(column, column)


def words(key: str, lang: str) -> Any:
    """One of the workbook's own words in ``lang``."""
    zh, en = XLSX_WORDS[key]
    return en if lang == "en" else zh


def kind_cell(level: str, kind: object, lang: str) -> str | None:
    """普通网格/专属网格 on grids; a street's or community's stated type (镇, 村 …);
    empty where a non-grid node states nothing (``ordinary``)."""
    if level != Level.GRID.value and kind == NodeKind.ORDINARY.value:
        return None
    return kind_label(kind, lang)


def _cell(value: Any) -> Any:
    """A table value as a spreadsheet cell: None for empty, plain Python numbers."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def write_workbook(
    table: pd.DataFrame,
    columns: list[str],
    workers: pd.DataFrame,
    target: Path,
    include_personal: bool,
    lang: str,
) -> Path:
    """The hierarchy (``columns`` of ``table``) and the roster as one workbook in ``lang``."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = words("hierarchy", lang)
    sheet.append([field_label(c, lang) for c in columns] + [words("ratio", lang)])
    level_names = {lv.value: lv.label(lang) for lv in LEVELS}
    labelled = value_labels()
    text_columns = [i for i, c in enumerate(columns) if c in ("code", "parent_code", "cjt349_code")]
    for row in table[columns].itertuples(index=False):
        record = dict(zip(columns, row, strict=True))
        values = []
        for column in columns:
            value = record[column]
            if column == "level":
                value = level_names[value]
            elif column == "kind":
                value = kind_cell(record["level"], value, lang)
            elif column in labelled:
                value = labelled[column](value, lang)
            values.append(_cell(value))
        workers_fte = float(record.get("workers", 0) or 0)
        ratio = round(record["households"] / workers_fte, 1) if workers_fte else None
        sheet.append([*values, ratio])
    for index in text_columns:
        for cell in next(sheet.iter_cols(min_col=index + 1, max_col=index + 1)):
            cell.number_format = "@"
    sheet.freeze_panes = "A2"
    for letter in ("A", "B", "D"):
        sheet.column_dimensions[letter].width = 24
    roster = workbook.create_sheet(words("roster", lang))
    staff = workers.copy()
    staff["employment"] = [employment_label(e, lang) for e in staff["employment"]]
    roster.append(
        list(words("roster_headers", lang)) + ([words("phone", lang)] if include_personal else [])
    )
    for worker in staff.itertuples(index=False):
        roster.append([_cell(v) for v in worker])
    for cell in roster["E"]:
        cell.number_format = "@"
    buffer = io.BytesIO()  # in memory first: openpyxl's own file handling would leave a
    workbook.save(buffer)  # broken zip object behind on a full disk
    with file_beside(target) as temp:
        temp.write_bytes(buffer.getvalue())
    return target
