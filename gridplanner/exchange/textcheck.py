"""Text encodings of planners' files: GBK or UTF-8, ``.cpg`` files, and mojibake.

Shapefiles from surveying contractors are often GBK without a ``.cpg``; files
passed through the wrong converter carry mojibake (GBK bytes read as Latin-1,
"³Ç¹Ø½ÖµÀ", or UTF-8 bytes read as GBK, "鍩庡叧琛楅亾"). These helpers decode
strictly and recognise both kinds of garbling, so a problem is reported instead
of wrong names landing in a plan.
"""

from __future__ import annotations

import codecs
import re

#: .cpg contents (upper-cased) → Python codec.
CPG_ALIASES = {
    "UTF-8": "utf-8",
    "UTF8": "utf-8",
    "65001": "utf-8",
    "GBK": "gbk",
    "CP936": "gbk",
    "936": "gbk",
    "GB2312": "gbk",
    "GB18030": "gb18030",
    "54936": "gb18030",
    "ANSI 936": "gbk",
    "BIG5": "big5",
    "950": "big5",
    "ISO-8859-1": "latin-1",
    "LATIN1": "latin-1",
    "88591": "latin-1",
}

_CJK = re.compile(r"[\u3400-\u9fff]")
_HIGH_LATIN = re.compile(
    r"[\u0080-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]"
)


def codec_from_cpg(text: str) -> str | None:
    """The codec a ``.cpg`` names, or None when it names none we know."""
    key = text.strip().upper()
    if key in CPG_ALIASES:
        return CPG_ALIASES[key]
    try:
        return codecs.lookup(key.lower()).name
    except LookupError:
        return None


def label(codec: str) -> str:
    """How planners name an encoding."""
    return {"gbk": "GBK", "gb18030": "GBK/GB18030", "utf-8": "UTF-8", "latin-1": "Latin-1"}.get(
        codec, codec.upper()
    )


def try_decode(raw: bytes, codec: str) -> str | None:
    """``raw`` decoded strictly, or None when it is not valid in ``codec``."""
    try:
        return raw.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def mojibake_repair(text: str) -> str | None:
    """The text a garbled string was meant to be, or None when it looks genuine.

    Recognises GBK or UTF-8 bytes shown as Latin-1/CP1252 and UTF-8 bytes shown
    as GBK. Only strings whose repair yields Chinese characters are flagged.
    """
    if not text or text.isascii():
        return None
    if "\ufffd" in text:
        return "\ufffd"
    high = len(_HIGH_LATIN.findall(text))
    if high >= 2 and not _CJK.search(text):
        for shown_as in ("latin-1", "cp1252"):
            try:
                raw = text.encode(shown_as)
            except UnicodeEncodeError:
                continue
            for meant in ("utf-8", "gb18030"):
                fixed = try_decode(raw, meant)
                if fixed and _CJK.search(fixed):
                    return fixed
    if len(text) >= 3 and _CJK.search(text):
        try:
            raw = text.encode("gbk")
        except UnicodeEncodeError:
            return None
        fixed = try_decode(raw, "utf-8")
        if fixed and fixed != text and _CJK.search(fixed) and len(fixed) < len(text):
            return fixed
    return None
