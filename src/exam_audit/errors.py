"""Errors a user can act on: each names the file, row, column or option and says what to do."""

from __future__ import annotations


class ExamAuditError(Exception):
    """A problem the user can fix; the CLI prints it as one line, never as a traceback."""

    def __init__(self, message: str, fix: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.message} — {self.fix}" if self.fix else self.message


class ProfileError(ExamAuditError):
    """The standards profile cannot be read or is not valid."""


class ArchiveError(ExamAuditError):
    """An archive path that cannot be audited at all (missing, not a folder, unreadable)."""


class ToolMissingError(ExamAuditError):
    """An external program (ffmpeg, ffprobe) is not installed."""
