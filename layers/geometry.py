"""Fast numpy → Qt geometry: whole layers become one QPainterPath in one call.

Building a path point by point from Python costs microseconds per vertex; instead
the vertices are laid out in the documented ``QDataStream`` format of
``QPainterPath`` / ``QPolygonF`` and streamed in at C++ speed (the trick pyqtgraph
uses), so a county's 30,000 unit vertices become a path in a few milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from PySide6.QtCore import QByteArray, QDataStream, Qt
from PySide6.QtGui import QPainterPath, QPolygonF

_MOVE_TO = 0
_LINE_TO = 1
_PATH_DTYPE = np.dtype([("c", ">i4"), ("x", ">f8"), ("y", ">f8")])


@dataclass(frozen=True)
class Rings:
    """Polygon rings (or line parts) of many features as flat arrays.

    ``xy`` holds every vertex; ring ``r`` spans ``xy[start[r]:start[r + 1]]`` and
    belongs to feature ``feature[r]``.
    """

    xy: np.ndarray  # (n, 2) float64
    start: np.ndarray  # (rings + 1,) int64, last entry == n
    feature: np.ndarray  # (rings,) int64

    @property
    def ring_count(self) -> int:
        return len(self.feature)

    def select(self, features: np.ndarray) -> Rings:
        """The rings of the features flagged in the boolean mask ``features``."""
        keep = features[self.feature]
        if keep.all():
            return self
        lengths = np.diff(self.start)
        vertex_keep = np.repeat(keep, lengths)
        kept_lengths = lengths[keep]
        start = np.zeros(len(kept_lengths) + 1, dtype=np.int64)
        np.cumsum(kept_lengths, out=start[1:])
        return Rings(self.xy[vertex_keep], start, self.feature[keep])


def rings_of(geometries: np.ndarray, lines: bool = False) -> Rings:
    """Flatten polygons (every ring) or lines (every part) into :class:`Rings`."""
    parts, part_feature = shapely.get_parts(geometries, return_index=True)
    if lines:
        pieces, piece_part = parts, np.arange(len(parts))
    else:
        pieces, piece_part = shapely.get_rings(parts, return_index=True)
    xy, vertex_piece = shapely.get_coordinates(pieces, return_index=True)
    counts = np.bincount(vertex_piece, minlength=len(pieces))
    nonempty = counts > 0
    start = np.zeros(int(nonempty.sum()) + 1, dtype=np.int64)
    np.cumsum(counts[nonempty], out=start[1:])
    feature = np.asarray(part_feature, dtype=np.int64)[piece_part][nonempty]
    return Rings(np.ascontiguousarray(xy, dtype=np.float64), start, feature)


def path_from_rings(rings: Rings, winding: bool = True) -> QPainterPath:
    """One QPainterPath holding every ring as a closed subpath."""
    n = len(rings.xy)
    path = QPainterPath()
    if n == 0:
        return path
    arr = np.empty(n, dtype=_PATH_DTYPE)
    arr["c"] = _LINE_TO
    arr["c"][rings.start[:-1]] = _MOVE_TO
    arr["x"] = rings.xy[:, 0]
    arr["y"] = rings.xy[:, 1]
    fill_rule = 1 if winding else 0  # Qt.WindingFill / Qt.OddEvenFill
    data = (
        np.array([n], dtype=">i4").tobytes()
        + arr.tobytes()
        + np.array([0, fill_rule], dtype=">i4").tobytes()
    )
    stream = QDataStream(QByteArray(data))
    stream >> path  # type: ignore[operator]
    path.setFillRule(Qt.FillRule.WindingFill if winding else Qt.FillRule.OddEvenFill)
    return path


def polygonf_from_xy(xy: np.ndarray) -> QPolygonF:
    """A QPolygonF (e.g. for ``drawPoints``) from an (n, 2) array."""
    polygon = QPolygonF()
    if len(xy) == 0:
        return polygon
    data = (
        np.array([len(xy)], dtype=">u4").tobytes() + np.ascontiguousarray(xy, dtype=">f8").tobytes()
    )
    stream = QDataStream(QByteArray(data))
    stream >> polygon  # type: ignore[operator]
    return polygon
