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
