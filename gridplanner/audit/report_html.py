"""The auditor's HTML report: one self-contained file that works with no internet.

Summary figures per street and community (coverage, households, workers, ratio
distribution), the findings table and an interactive folium/Leaflet map of the
findings; clicking a row zooms the map to it. Leaflet is inlined from an installed
package (:mod:`gridplanner.audit.html_assets`); folium's CDN assets (jQuery,
Bootstrap, Font Awesome) are dropped because the map does not use them. The only
URL a page may fetch is an optional basemap tile template.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import folium
import numpy as np
import pandas as pd
import shapely

from gridplanner.audit.catalog import CHECKS, Severity
from gridplanner.audit.finding import AuditResult
from gridplanner.audit.html_assets import leaflet_assets
from gridplanner.audit.report_json import finding_dict
from gridplanner.exchange.geojson import oriented_frame
from gridplanner.levels import Level, NodeKind
from gridplanner.model import Project
from gridplanner.rollups import compute_rollups

COLOURS = {Severity.BLOCKING: "#d62728", Severity.WARNING: "#ff7f0e", Severity.INFO: "#7f7f7f"}
BINS = [0, 100, 200, 300, 400, 500, 600, 800, np.inf]


class OfflineMap(folium.Map):
    """A folium map without folium's CDN scripts and stylesheets (Leaflet is inlined)."""

    default_js = []  # noqa: RUF012  (folium declares these as plain class lists)
    default_css = []  # noqa: RUF012


def coverage_table(project: Project, result: AuditResult, level: Level) -> pd.DataFrame:
    """Per street or community: area, coverage %, households, workers, ratio, findings."""
    rollups = compute_rollups(project)
    nodes = project.level(level)
    areas: dict[str, float] = result.stats.get(f"{level.value}_area_m2", {})  # type: ignore[assignment]
    key = "street" if level is Level.STREET else "community"
    rows = []
    for node_id, node in nodes.sort_values("code").iterrows():
        code = str(node["code"])
        if code not in areas:
            continue
        mine = [f for f in result.findings if getattr(f, key) == code]
        gap = sum(
            f.area_m2 or 0.0
            for f in mine
            if f.check in ("gap", "sliver") and "parent_id" in f.extra
        )
        area = areas[code]
        r = rollups.loc[node_id]
        rows.append(
            {
                "编码": code,
                "名称": node["name"],
                "面积(公顷)": round(area / 1e4, 1),
                "覆盖率": f"{100 * (1 - gap / area):.3f}%" if area else "—",
                "户数": int(r["households"]),
                "网格员": round(float(r["workers"]), 1),
                "户/人": "—"
                if np.isnan(r["households_per_worker"])
                else f"{r['households_per_worker']:.0f}",
                "阻断": sum(f.severity is Severity.BLOCKING for f in mine),
                "警告": sum(f.severity is Severity.WARNING for f in mine),
                "提示": sum(f.severity is Severity.INFO for f in mine),
            }
        )
    return pd.DataFrame(rows)


def grid_ratios_by_street(project: Project) -> dict[int, np.ndarray]:
    """Households per worker of every ordinary grid, grouped by its street (one pass)."""
    rollups = compute_rollups(project)
    nodes = project.nodes
    parent = nodes["parent_id"]
    grids = nodes.index[
        (nodes["level"] == Level.GRID.value) & (nodes["kind"] != NodeKind.DEDICATED.value)
    ]
    up = pd.Series(grids, index=grids)
    for _ in range(3):  # grid → comprehensive grid → community → street
        up = parent.reindex(up.to_numpy()).set_axis(up.index)
    ratios = rollups.loc[grids, "households_per_worker"]
    out: dict[int, np.ndarray] = {}
    for street, values in ratios.groupby(up.to_numpy()):
        out[int(street)] = values.dropna().to_numpy()
    return out


def _ratio_svg(ratios: np.ndarray) -> str:
    """An inline SVG histogram of the ordinary grids' households per worker in a street."""
    counts, _ = np.histogram(ratios, bins=BINS)
    top = max(int(counts.max()) if len(counts) else 1, 1)
    bars = []
    for i, c in enumerate(counts.tolist()):
        h = 80 * c / top
        lo = BINS[i]
        label = f"{lo:.0f}+" if np.isinf(BINS[i + 1]) else f"{lo:.0f}"
        colour = "#2ca02c" if 200 <= lo < 500 else "#ff7f0e"
        bars.append(
            f'<rect x="{10 + i * 36}" y="{90 - h:.1f}" width="30" height="{h:.1f}" fill="{colour}">'
            f"<title>{label}: {c}</title></rect>"
            f'<text x="{25 + i * 36}" y="104" font-size="9" text-anchor="middle">{label}</text>'
            f'<text x="{25 + i * 36}" y="{86 - h:.1f}" font-size="9" '
            f'text-anchor="middle">{c}</text>'
        )
    return f'<svg width="{20 + 36 * len(counts)}" height="110" role="img">{"".join(bars)}</svg>'


def _map(project: Project, result: AuditResult, basemap: str | None) -> OfflineMap:
    nodes = project.nodes
    bounds = nodes.total_bounds
    fmap = OfflineMap(
        location=[(bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2],
        zoom_start=12,
        tiles=None,
        control_scale=True,
        prefer_canvas=True,
        height="70vh",
    )
    if basemap:
        folium.TileLayer(basemap, attr="basemap", name="底图 basemap").add_to(fmap)
    outline = nodes[nodes["level"].isin([Level.STREET.value, Level.COMMUNITY.value])]
    outline = outline[["code", "name", "level", "geometry"]].copy()
    outline["geometry"] = shapely.simplify(outline.geometry.to_numpy(), 1e-5)
    folium.GeoJson(
        json.loads(oriented_frame(outline).to_json()),  # RFC 7946 winding
        name="街道/社区边界 boundaries",
        style_function=lambda feat: {
            "color": "#1f4e79",
            "weight": 2.5 if feat["properties"]["level"] == "street" else 1,
            "fill": False,
        },
        tooltip=folium.GeoJsonTooltip(["code", "name"], aliases=["编码", "名称"]),
    ).add_to(fmap)
    for severity in Severity:
        feats = []
        for f in result.findings:
            if f.severity is not severity or f.geometry is None:
                continue
            d = finding_dict(f)
            feats.append(
                {
                    "type": "Feature",
                    "geometry": d["geometry"],
                    "properties": {
                        "id": f.id,
                        "check": CHECKS[f.check].title_zh,
                        "codes": " ".join(f.codes),
                        "message": f.message_zh,
                    },
                }
            )
        if not feats:
            continue
        colour = COLOURS[severity]
        folium.GeoJson(
            {"type": "FeatureCollection", "features": feats},
            name=f"{severity.zh} {severity.value} ({len(feats)})",
            style_function=lambda _f, c=colour: {"color": c, "weight": 2, "fillOpacity": 0.35},
            marker=folium.CircleMarker(radius=7, color=colour, fill=True, fill_opacity=0.8),
            tooltip=folium.GeoJsonTooltip(["check", "codes"], aliases=["问题", "编码"]),
            popup=folium.GeoJsonPopup(["message"], labels=False),
            show=severity is not Severity.INFO,
        ).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    return fmap


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, border=0, classes="grid", escape=True)


def render_html(project: Project, result: AuditResult, basemap: str | None = None) -> str:
    """The whole report as one HTML string."""
    fmap = _map(project, result, basemap)
    assets = leaflet_assets()
    page = fmap.get_root().render()
    head = (
        f"<title>核查报告 {html.escape(result.project_name)}</title>"
        f"<style>{assets.css}</style><script>{assets.js}</script><style>{CSS}</style>"
    )
    page = page.replace("<head>", "<head>\n" + head, 1)
    top = _header(result)
    page = page.replace("<body>", "<body>\n" + top, 1)
    streets = project.level(Level.STREET).sort_values("code")
    blocks = ["<h2>各街道汇总 Streets</h2>", _table(coverage_table(project, result, Level.STREET))]
    blocks.append("<h2>户/人配比分布 Households per worker (ordinary grids)</h2><div class='hist'>")
    by_street = grid_ratios_by_street(project)
    for sid, street in streets.iterrows():
        ratios = by_street.get(int(sid), np.zeros(0))  # type: ignore[call-overload]
        blocks.append(
            f"<figure><figcaption>{html.escape(str(street['name']))} {street['code']}</figcaption>"
            f"{_ratio_svg(ratios)}</figure>"
        )
    blocks.append("</div><h2>各社区汇总 Communities</h2>")
    blocks.append(_table(coverage_table(project, result, Level.COMMUNITY)))
    blocks.append(_findings_table(result))
    map_var = fmap.get_name()
    script = ZOOM_JS.replace("MAP", map_var)
    page = page.replace("</html>", "\n".join(blocks) + f"<script>{script}</script>\n</html>")
    return page


def _header(result: AuditResult) -> str:
    counts = {s: result.count(s) for s in Severity}
    verdict = "不可发布(存在阻断问题)" if counts[Severity.BLOCKING] else "可发布"
    return (
        f"<header><h1>网格核查报告 Coverage audit — {html.escape(result.project_name)}</h1>"
        f"<p>范围 scope: {html.escape(result.scope or '全部 all')} · 容差 tolerance "
        f"{result.tolerance_m2:g} m² · 量算坐标系 {result.measuring_crs} · "
        f"<b class='blocking'>阻断 {counts[Severity.BLOCKING]}</b> · "
        f"<b class='warning'>警告 {counts[Severity.WARNING]}</b> · "
        f"<b class='info'>提示 {counts[Severity.INFO]}</b> · 结论: {verdict}</p>"
        "<p class='hint'>点击下方问题清单中的一行, 地图即定位到该问题。"
        "Click a finding below to show it on the map.</p></header>"
    )


def _findings_table(result: AuditResult) -> str:
    rows = []
    for f in result.findings:
        rows.append(
            f"<tr data-id='{f.id}' class='{f.severity.value}'><td>{f.severity.zh}</td>"
            f"<td>{html.escape(CHECKS[f.check].title_zh)}<br><small>{f.check}</small></td>"
            f"<td>{html.escape(' '.join(f.codes))}</td><td>{html.escape(f.message_zh)}<br>"
            f"<small>{html.escape(f.message_en)}</small></td></tr>"
        )
    return (
        f"<h2>问题清单 Findings ({len(result.findings)})</h2><table class='grid findings'>"
        "<thead><tr><th>严重程度</th><th>检查项</th><th>编码</th><th>说明</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def write_html(
    project: Project, result: AuditResult, path: str | Path, basemap: str | None = None
) -> Path:
    """Write the report; returns the path."""
    out = Path(path)
    out.write_text(render_html(project, result, basemap), encoding="utf-8")
    return out


def summary(result: AuditResult) -> dict[str, Any]:
    """Counts per severity (for callers that show a one-line verdict)."""
    return {s.value: result.count(s) for s in Severity}


CSS = """
body{font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei","Microsoft YaHei",sans-serif;
margin:0 1em}
header h1{font-size:1.4em} .blocking{color:#d62728} .warning{color:#b35900} .info{color:#555}
.folium-map{border:1px solid #ccc}
table.grid{border-collapse:collapse;font-size:.85em;margin:.5em 0}
table.grid td,table.grid th{border:1px solid #ddd;padding:2px 6px;vertical-align:top}
tr.blocking td:first-child{background:#f8d7da} tr.warning td:first-child{background:#fff3cd}
tr.info td:first-child{background:#e2e3e5} table.findings tr{cursor:pointer}
table.findings tr.selected{outline:2px solid #1f4e79} .hist figure{display:inline-block;margin:.3em}
.hint{color:#555;font-size:.9em}
"""

ZOOM_JS = """
(function(){
  var index = {};
  MAP.eachLayer(function(layer){
    if (layer.feature && layer.feature.properties && layer.feature.properties.id) {
      index[layer.feature.properties.id] = layer;
    }
  });
  document.querySelectorAll('table.findings tbody tr').forEach(function(row){
    row.addEventListener('click', function(){
      document.querySelectorAll('tr.selected').forEach(function(r){r.classList.remove('selected');});
      row.classList.add('selected');
      var layer = index[row.dataset.id];
      if (!layer) { return; }
      if (layer.getBounds) { MAP.fitBounds(layer.getBounds(), {maxZoom: 18}); }
      else if (layer.getLatLng) { MAP.setView(layer.getLatLng(), 18); }
      if (layer.openPopup) { layer.openPopup(); }
      document.querySelector('.folium-map').scrollIntoView({behavior: 'smooth'});
    });
  });
})();
"""
