"""The map view: centre, resolution and size; map ↔ pixel transforms (no widgets)."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from PySide6.QtGui import QTransform

#: Screen resolution assumed when a scale (1:N) is shown.
SCREEN_DPI = 96.0
METRES_PER_INCH = 0.0254
MIN_MPP = 0.02
MAX_MPP = 5000.0


@dataclass(frozen=True)
class MapView:
    """What part of the map a widget or image shows. ``mpp``: metres per pixel."""

    cx: float
    cy: float
    mpp: float
    width: int
    height: int

    def transform(self) -> QTransform:
        """Map (local metres, y up) → pixels (y down)."""
        s = 1.0 / self.mpp
        return QTransform(
            s, 0.0, 0.0, -s, self.width / 2 - self.cx * s, self.height / 2 + self.cy * s
        )

    def to_map(self, px: float, py: float) -> tuple[float, float]:
        return (
            self.cx + (px - self.width / 2) * self.mpp,
            self.cy - (py - self.height / 2) * self.mpp,
        )

    def to_pixel(self, x: float, y: float) -> tuple[float, float]:
        return (
            (x - self.cx) / self.mpp + self.width / 2,
            (self.cy - y) / self.mpp + self.height / 2,
        )

    def extent(self) -> tuple[float, float, float, float]:
        hw, hh = self.width * self.mpp / 2, self.height * self.mpp / 2
        return (self.cx - hw, self.cy - hh, self.cx + hw, self.cy + hh)

    def scale_denominator(self, dpi: float = SCREEN_DPI) -> float:
        """N of the map scale 1:N on a screen of ``dpi``."""
        return self.mpp / (METRES_PER_INCH / dpi)

    def panned(self, dx_px: float, dy_px: float) -> MapView:
        """The view after dragging the map by (dx, dy) pixels."""
        return replace(self, cx=self.cx - dx_px * self.mpp, cy=self.cy + dy_px * self.mpp)

    def zoomed(self, factor: float, anchor_px: tuple[float, float] | None = None) -> MapView:
        """Zoom in by ``factor`` (> 1 zooms in) keeping ``anchor_px`` fixed."""
        mpp = min(max(self.mpp / factor, MIN_MPP), MAX_MPP)
        if anchor_px is None:
            return replace(self, mpp=mpp)
        ax, ay = self.to_map(*anchor_px)
        px, py = anchor_px
        cx = ax - (px - self.width / 2) * mpp
        cy = ay + (py - self.height / 2) * mpp
        return replace(self, cx=cx, cy=cy, mpp=mpp)

    def at_scale(self, denominator: float, dpi: float = SCREEN_DPI) -> MapView:
        return replace(self, mpp=denominator * METRES_PER_INCH / dpi)

    def resized(self, width: int, height: int) -> MapView:
        return replace(self, width=max(1, width), height=max(1, height))

    def fitted(
        self, bounds: tuple[float, ...], margin: float = 0.05, min_mpp: float = 0.2
    ) -> MapView:
        """The view showing ``bounds`` (local metres) whole, with a margin."""
        x0, y0, x1, y1 = bounds
        w = max(x1 - x0, 1e-6) * (1 + 2 * margin)
        h = max(y1 - y0, 1e-6) * (1 + 2 * margin)
        mpp = max(w / self.width, h / self.height, min_mpp)
        return replace(self, cx=(x0 + x1) / 2, cy=(y0 + y1) / 2, mpp=mpp)

    def relative_transform(self, other: MapView) -> QTransform:
        """Pixels of ``self`` → pixels of ``other`` (to reuse an image while panning)."""
        inverse, _ = self.transform().inverted()
        return inverse * other.transform()


def simplify_tolerance(mpp: float) -> float:
    """Simplification tolerance (metres) for a resolution: a power of two under ~½ pixel."""
    if mpp < 2.0:
        return 0.0
    return float(2 ** math.floor(math.log2(mpp * 0.5)))
