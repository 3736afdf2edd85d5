"""Exam-system tables: reading (encodings, aliases, CSV/XLSX/JSON), value parsing and validation."""
