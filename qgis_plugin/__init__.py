"""gridplanner for QGIS: the balancer, the coverage audit and the exchange package
as a Processing provider ("gridplanner") over the same Qt-free core as the CLI.

QGIS imports this package and calls :func:`classFactory`. Nothing here imports the
core at load time: the core (``gridplanner``) is looked up when an algorithm runs,
in QGIS's own Python or in the environment named in the plugin's settings.
"""

from __future__ import annotations

from typing import Any


def classFactory(iface: Any) -> Any:
    """QGIS's entry point: the plugin object."""
    from .plugin import GridPlannerPlugin

    return GridPlannerPlugin(iface)
