"""A WMTS / XYZ tile server on 127.0.0.1 for the basemap tests, and an in-memory keyring.

Every tile is one flat colour computed from its matrix level, row and column
(:func:`tile_colour`), so a test can say which tile covers a pixel from the colour
alone. The server records every request path; it can demand a token, answer 404,
answer slowly or serve a broken capabilities document.

Capabilities builders write the documents the way real servers do:
:func:`tianditu_c` (EPSG:4490, 96-dpi scale denominators, ``90.0 -180.0``),
:func:`geoserver_4490` (a regional CGCS2000 gridset with OGC scales, REST),
:func:`web_mercator` (GoogleMapsCompatible EPSG:3857, OGC scales).
"""

from __future__ import annotations

import re
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit
from xml.sax.saxutils import escape

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

MERCATOR_HALF = 20037508.342789244
OGC_PIXEL = 0.28e-3
DEGREE_M = 2 * 3.141592653589793 * 6378137.0 / 360.0


def tile_colour(level: int, row: int, col: int) -> tuple[int, int, int]:
    """Neighbouring columns differ by ≥ 67 in red, neighbouring rows by ≥ 89 in green."""
    return 30 + (col * 67) % 191, 30 + (row * 89) % 191, 30 + (level * 41) % 191


def png(rgb: tuple[int, int, int], size: int = 256) -> bytes:
    """A flat-colour RGB PNG, written by hand (no Qt in the server thread)."""
    row = b"\x00" + bytes(rgb) * size
    raw = row * size

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 1))
        + chunk(b"IEND", b"")
    )


@dataclass
class TileServer:
    host: str = "127.0.0.1"
    port: int = 0
    documents: dict[str, bytes] = field(default_factory=dict)  # path → capabilities
    requests: list[str] = field(default_factory=list)
    token: str = ""  # when set, tiles without ?tk=<token> get 403
    tile_status: int = 200
    delay_s: float = 0.0

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def tile_requests(self) -> list[str]:
        return [
            r
            for r in self.requests
            if urlsplit(r).path not in self.documents or "REQUEST=GETTILE" in r.upper()
        ]

    def answer(self, path: str) -> tuple[int, str, bytes]:
        self.requests.append(path)
        parts = urlsplit(path)
        query = {k.upper(): v for k, v in parse_qsl(parts.query)}
        if parts.path in self.documents and query.get("REQUEST", "").lower() != "gettile":
            return 200, "application/xml", self.documents[parts.path]
        if self.delay_s:
            time.sleep(self.delay_s)
        if self.token and query.get("TK") != self.token:
            return 403, "text/plain", b"token required"
        found = None
        if query.get("REQUEST", "").lower() == "gettile":
            found = (query["TILEMATRIX"], query["TILEROW"], query["TILECOL"])
        elif match := re.search(r"/rest/[^/]+/[^/]+/[^/]+/([^/]+)/(\d+)/(\d+)\.png$", parts.path):
            found = match.groups()
        elif match := re.search(r"/xyz/(\d+)/(\d+)/(\d+)\.png$", parts.path):
            z, x, y = match.groups()
            found = (z, y, x)
        if found is None or self.tile_status != 200:
            return self.tile_status if found else 404, "text/plain", b"no such tile"
        matrix, row, col = found
        level = int(re.findall(r"\d+", matrix)[-1])
        return 200, "image/png", png(tile_colour(level, int(row), int(col)))


@contextmanager
def serving(server: TileServer | None = None) -> Iterator[TileServer]:
    """Run ``server`` on a free loopback port for the block."""
    state = server or TileServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # http.server's name
            status, kind, body = state.answer(self.path)
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer((state.host, 0), Handler)
    httpd.daemon_threads = True
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


class MemoryKeyring(KeyringBackend):
    """A keyring that forgets everything when the test ends."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.secrets.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


# -- capabilities documents ----------------------------------------------------------

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<Capabilities xmlns="http://www.opengis.net/wmts/1.0" '
    'xmlns:ows="http://www.opengis.net/ows/1.1" xmlns:xlink="http://www.w3.org/1999/xlink" '
    'version="1.0.0">\n'
)


def _operations(kvp_href: str) -> str:
    return (
        '<ows:OperationsMetadata><ows:Operation name="GetTile"><ows:DCP><ows:HTTP>'
        f'<ows:Get xlink:href="{escape(kvp_href)}"><ows:Constraint name="GetEncoding">'
        "<ows:AllowedValues><ows:Value>KVP</ows:Value></ows:AllowedValues>"
        "</ows:Constraint></ows:Get></ows:HTTP></ows:DCP></ows:Operation>"
        "</ows:OperationsMetadata>\n"
    )


def _layer(name: str, fmt: str, matrix_set: str, rest: str = "") -> str:
    resource = ""
    if rest:
        resource = f'<ResourceURL format="{fmt}" resourceType="tile" template="{escape(rest)}"/>'
    return (
        f"<Layer><ows:Title>{name}</ows:Title><ows:Identifier>{name}</ows:Identifier>"
        '<Style isDefault="true"><ows:Identifier>default</ows:Identifier></Style>'
        f"<Format>{fmt}</Format><TileMatrixSetLink><TileMatrixSet>{matrix_set}</TileMatrixSet>"
        f"</TileMatrixSetLink>{resource}</Layer>\n"
    )


def _matrix(ident: str, scale: float, corner: str, width: int, height: int) -> str:
    return (
        f"<TileMatrix><ows:Identifier>{ident}</ows:Identifier>"
        f"<ScaleDenominator>{scale!r}</ScaleDenominator><TopLeftCorner>{corner}</TopLeftCorner>"
        "<TileWidth>256</TileWidth><TileHeight>256</TileHeight>"
        f"<MatrixWidth>{width}</MatrixWidth><MatrixHeight>{height}</MatrixHeight></TileMatrix>\n"
    )


def tianditu_res(level: int) -> float:
    """Degrees per pixel of Tianditu's ``c`` level (0.703125° at level 1)."""
    return 0.703125 / 2 ** (level - 1)


def tianditu_c(kvp_href: str, corner: str = "90.0 -180.0") -> bytes:
    """Like ``https://t0.tianditu.gov.cn/vec_c/wmts?request=GetCapabilities``."""
    matrices = "".join(
        _matrix(
            str(level), 2.958293554545656e8 / 2 ** (level - 1), corner, 2**level, 2 ** (level - 1)
        )
        for level in range(1, 19)
    )
    return (
        HEAD
        + _operations(kvp_href)
        + "<Contents>\n"
        + _layer("vec", "tiles", "c")
        + "<TileMatrixSet><ows:Identifier>c</ows:Identifier>"
        + "<ows:SupportedCRS>urn:ogc:def:crs:EPSG::4490</ows:SupportedCRS>\n"
        + matrices
        + "</TileMatrixSet></Contents></Capabilities>\n"
    ).encode()


#: The regional gridset: top-left at 40.5°N 121.0°E, 0.01° per pixel at level 0.
REGION_TOP, REGION_LEFT, REGION_RES0 = 40.5, 121.0, 0.01


def geoserver_4490(rest_template: str, kvp_href: str = "", corner: str = "40.5 121.0") -> bytes:
    """A GeoServer-style CGCS2000 gridset (OGC 0.28 mm scales, ``EPSG:4490:n`` ids, REST)."""
    matrices = "".join(
        _matrix(
            f"EPSG:4490:{level}",
            REGION_RES0 / 2**level * DEGREE_M / OGC_PIXEL,
            corner,
            2 * 2**level,
            2 * 2**level,
        )
        for level in range(0, 14)
    )
    return (
        HEAD
        + (_operations(kvp_href) if kvp_href else "")
        + "<Contents>\n"
        + _layer("dalian:basemap", "image/png", "EPSG:4490", rest_template)
        + "<TileMatrixSet><ows:Identifier>EPSG:4490</ows:Identifier>"
        + "<ows:SupportedCRS>urn:ogc:def:crs:EPSG::4490</ows:SupportedCRS>\n"
        + matrices
        + "</TileMatrixSet></Contents></Capabilities>\n"
    ).encode()


def web_mercator(kvp_href: str) -> bytes:
    """GoogleMapsCompatible EPSG:3857 with OGC scales, KVP only."""
    matrices = "".join(
        _matrix(
            str(z),
            559082264.0287178 / 2**z,
            f"{-MERCATOR_HALF!r} {MERCATOR_HALF!r}",
            2**z,
            2**z,
        )
        for z in range(0, 19)
    )
    return (
        HEAD
        + _operations(kvp_href)
        + "<Contents>\n"
        + _layer("osm", "image/png", "GoogleMapsCompatible")
        + "<TileMatrixSet><ows:Identifier>GoogleMapsCompatible</ows:Identifier>"
        + "<ows:SupportedCRS>urn:ogc:def:crs:EPSG::3857</ows:SupportedCRS>\n"
        + matrices
        + "</TileMatrixSet></Contents></Capabilities>\n"
    ).encode()
