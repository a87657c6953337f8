"""What every gridplanner algorithm shares: names, help, errors, progress, cancel.

Subclasses implement :meth:`GridPlannerAlgorithm.execute`; it may raise the core's
``GridPlannerError`` (shown as a Processing error with the same message the CLI
prints) and sees cancellation as the core's ``Cancelled``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from qgis.core import (
    QgsFeature,
    QgsGeometry,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingUtils,
)
from qgis.PyQt.QtGui import QIcon

from .core_env import CoreMissing, require_core

ICON = str(Path(__file__).resolve().parent / "icon.svg")


class CancelledByUser(Exception):
    """Raised from a progress callback when the user pressed Cancel."""


class GridPlannerAlgorithm(QgsProcessingAlgorithm):
    """Base class: subclasses set ``ALG_NAME``, the texts, and ``execute``.

    ``execute(parameters, context, feedback)`` does the work and returns the outputs;
    :meth:`processAlgorithm` wraps it so core errors and cancels reach QGIS as
    Processing errors with the CLI's messages.
    """

    ALG_NAME = ""
    execute: Callable[
        [dict[str, Any], QgsProcessingContext, QgsProcessingFeedback], dict[str, Any]
    ]

    def name(self) -> str:
        return self.ALG_NAME

    def createInstance(self) -> QgsProcessingAlgorithm:
        return type(self)()

    def icon(self) -> QIcon:
        return QIcon(ICON)

    def processAlgorithm(
        self,
        parameters: dict[str, Any],
        context: QgsProcessingContext,
        feedback: QgsProcessingFeedback,
    ) -> dict[str, Any]:
        try:
            require_core()
        except CoreMissing as exc:
            raise QgsProcessingException(str(exc)) from exc
        from gridplanner.algorithms import Cancelled
        from gridplanner.errors import GridPlannerError

        try:
            return self.execute(parameters, context, feedback)
        except QgsProcessingException:
            raise
        except (Cancelled, CancelledByUser) as exc:
            raise QgsProcessingException(self.cancelled_text()) from exc
        except GridPlannerError as exc:
            if feedback.isCanceled():  # e.g. the audit's AuditCancelled
                raise QgsProcessingException(self.cancelled_text()) from exc
            # the same text the CLI prints after "gridplanner: "
            raise QgsProcessingException(str(exc)) from exc

    def cancelled_text(self) -> str:
        from ._tools import tr

        return tr("已取消")

    # -- helpers -------------------------------------------------------------
    @staticmethod
    def progress_for(
        feedback: QgsProcessingFeedback, start: float = 0.0, end: float = 100.0
    ) -> Callable[[float, str], None]:
        """A core progress callback (fraction, message) that also raises on Cancel."""
        last = [""]

        def progress(fraction: float, message: str) -> None:
            if feedback.isCanceled():
                raise CancelledByUser()
            feedback.setProgress(start + (end - start) * max(0.0, min(1.0, float(fraction))))
            if message and message != last[0]:
                feedback.setProgressText(message)
                last[0] = message

        return progress

    @staticmethod
    def cancel_for(feedback: QgsProcessingFeedback) -> Callable[[], bool]:
        """A core cancel callback."""
        return feedback.isCanceled

    def source_path(
        self,
        parameters: dict[str, Any],
        name: str,
        context: QgsProcessingContext,
        feedback: QgsProcessingFeedback,
        formats: tuple[str, ...] = ("gpkg", "shp", "geojson"),
    ) -> tuple[str, str | None, str]:
        """A file the core can read for a layer parameter: (path, layer, label for messages).

        A file-based layer in a readable format is read in place (so the core's
        messages name the real file); anything else (a memory layer, a selection,
        a database) is first written to a temporary GeoPackage by QGIS.
        """
        path, layer = self.parameterAsCompatibleSourceLayerPathAndLayerName(
            parameters, name, context, list(formats), "gpkg", feedback
        )
        if not path:
            raise QgsProcessingException(self.invalidSourceError(parameters, name))
        label = path
        temp = QgsProcessingUtils.tempFolder()
        if path.startswith(temp):
            source = self.parameterAsSource(parameters, name, context)
            label = source.sourceName() if source is not None else name
        return path, (layer or None), label


def to_qgs_geometry(geometry: Any) -> QgsGeometry:
    """A shapely geometry as a QgsGeometry (through WKB); None → an empty geometry."""
    if geometry is None or geometry.is_empty:
        return QgsGeometry()
    import shapely

    out = QgsGeometry()
    out.fromWkb(shapely.to_wkb(geometry))
    return out


def python_value(value: Any) -> Any:
    """A pandas/numpy cell as a plain Python value for a QgsFeature attribute."""
    try:
        import pandas as pd

        if value is None or (not isinstance(value, str | bytes) and pd.isna(value)):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "item"):
        return value.item()
    return value


def new_feature(fields: Any, values: list[Any], geometry: QgsGeometry | None = None) -> QgsFeature:
    """A feature with ``values`` in field order."""
    feature = QgsFeature(fields)
    feature.setAttributes([python_value(v) for v in values])
    if geometry is not None:
        feature.setGeometry(geometry)
    return feature
