"""Problems found while exchanging data, each naming the file, the feature and the field."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gridplanner.errors import GridPlannerError


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input (or worth knowing about it)."""

    file: str
    message: str
    feature: str | None = None  # "feature 3" (0-based FID) or "row 5" (as a spreadsheet shows it)
    field: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.feature is not None:
            where.append(self.feature)
        if self.field is not None:
            where.append(f"field {self.field!r}")
        return f"{', '.join(where)}: {self.message}"

    def to_dict(self) -> dict[str, str | None]:
        """A JSON-ready form for reports."""
        return {
            "file": self.file,
            "feature": self.feature,
            "field": self.field,
            "message": self.message,
        }


class ExchangeError(GridPlannerError):
    """Importing, exporting, pushing or receiving failed (one clear sentence)."""


class ImportFailed(ExchangeError):
    """An input can't be imported; :attr:`problems` lists every reason found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        first = str(self.problems[0]) if self.problems else "import failed"
        more = len(self.problems) - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more > 0 else ""
        super().__init__(f"{first}{suffix}; the project was not changed")


class PackageInvalid(ExchangeError):
    """An exchange package breaks its JSON Schema or refers to codes it doesn't hold."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = list(errors)
        more = len(self.errors) - 1
        suffix = f" (and {more} more)" if more > 0 else ""
        super().__init__(f"invalid exchange package: {self.errors[0]}{suffix}")


class PushFailed(ExchangeError):
    """The push did not end with a stored version (the message says why)."""


class BlockingFindings(PushFailed):
    """The audit gate refused the push: the plan has blocking findings."""

    def __init__(self, path: object, blocking: list[str]) -> None:
        self.path = path
        self.blocking = blocking
        super().__init__(
            f"{path}: the plan has {len(blocking)} blocking finding(s) ({blocking[0]}); "
            "fix them, or override with --allow-blocking (recorded in the receipt)"
        )
