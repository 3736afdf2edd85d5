"""The command line: parse, call the library, print. No audit logic lives here.

The library is imported inside each command, so that `exam-audit --help` and the commands that need no
video never load OpenCV or numpy.
"""

from __future__ import annotations

import logging

import click

from .. import __version__
from . import audit_commands, fixture_commands, media_commands


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="exam-audit")
@click.option("-v", "--verbose", is_flag=True, help="Show debug messages on stderr.")
def main(verbose: bool) -> None:
    """Audit the archives of work-safety exam centres (安全生产考试点).

    Scans exam recordings and exam-system data, and turns what it finds into findings tied to the
    inspection checklist items C1–C7, with evidence.
    """
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")


for command in (audit_commands.audit, audit_commands.rules, audit_commands.audits, audit_commands.report,
                audit_commands.evidence, audit_commands.verify,
                audit_commands.summary, media_commands.probe, media_commands.scan,
                media_commands.presence, media_commands.models, fixture_commands.fixtures):
    main.add_command(command)
