"""qgis-plugin-tools, bundled in the plugin zip or installed in QGIS's Python.

The packaged plugin carries its own copy (``<plugin>/qgis_plugin_tools``, the
library's "submodule" layout); a development checkout uses the installed one.
"""

from __future__ import annotations

try:
    from .qgis_plugin_tools.tools import custom_logging, i18n, resources, settings
except ImportError:  # pragma: no cover - development checkout
    from qgis_plugin_tools.tools import (  # type: ignore[no-redef]
        custom_logging,
        i18n,
        resources,
        settings,
    )

__all__ = ["custom_logging", "i18n", "resources", "settings", "tr"]

tr = i18n.tr  # tr("… {name} …", name=value): translate, then str.format


def language() -> str:
    """``"en"`` when QGIS's locale is English, else ``"zh"`` (Chinese is the default)."""
    from qgis.core import QgsSettings
    from qgis.PyQt.QtCore import QLocale

    locale = str(QgsSettings().value("locale/userLocale", QLocale().name()) or "")
    return "en" if locale.lower().startswith("en") else "zh"
