"""exam-audit: audit the archives of work-safety exam centres (安全生产考试点)."""

__version__ = "0.1.0"
