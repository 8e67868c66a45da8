"""Named exceptions of the dedupe library; each carries a hint at the fix.

Only the command line turns them into messages and exit codes.
"""


class CrosspostError(Exception):
    """Base class: `str(err)` is a one-line message that says what to do."""


class StoreError(CrosspostError):
    """The database cannot be opened, created or written."""


class NotAnArticle(CrosspostError):
    """A page is not a usable article; `reason` is a short slug counted in crawl stats."""

    def __init__(self, reason: str, detail: str = ""):
        self.reason = reason
        super().__init__(f"{reason}: {detail}" if detail else reason)


class ExportError(CrosspostError):
    """An export cannot be written (unknown format, unknown cluster, bad path)."""


class InputError(CrosspostError):
    """An input file (sites.toml, JSON lines) is missing or malformed."""
