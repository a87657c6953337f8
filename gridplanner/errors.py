"""Errors that explain: each names the file, the feature and the problem."""

from __future__ import annotations


class GridPlannerError(Exception):
    """Base class: the message is meant for a planner, one clear sentence."""


class ProjectFileError(GridPlannerError):
    """A project file can't be opened or saved (the file is named in the message)."""


class CRSError(GridPlannerError):
    """Data without a usable coordinate reference system."""


class CodeError(GridPlannerError):
    """A code that is malformed, duplicated, or does not fit the code scheme."""


class ModelError(GridPlannerError):
    """An operation that would break the hierarchy (unknown node, wrong level, ...)."""


class Words:
    """A message for planners in both languages (Chinese first, English on request)."""

    __slots__ = ("en", "zh")

    def __init__(self, zh: str, en: str) -> None:
        self.zh = zh
        self.en = en

    def __call__(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh

    def __repr__(self) -> str:
        return f"Words({self.zh!r}, {self.en!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Words) and (self.zh, self.en) == (other.zh, other.en)

    def __hash__(self) -> int:
        return hash((self.zh, self.en))

    def to_dict(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en}


class PlannerError(GridPlannerError):
    """A request the planner made that can't be carried out, said in their words (zh/en);
    ``str()`` is the Chinese message."""

    def __init__(self, words: Words) -> None:
        super().__init__(words.zh)
        self.words = words

    def message(self, lang: str = "zh") -> str:
        """The message in ``lang`` ("zh" or "en")."""
        return self.words(lang)
