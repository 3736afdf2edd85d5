"""`python -m exam_audit.cli`."""

from . import main

main()
