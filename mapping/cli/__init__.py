"""The command line, ``python -m mapping COMMAND`` (exit status: 0 success, 2 bad input, 1 anything else).

- :mod:`mapping.cli.commands`: the parser, :func:`main` and the dong's everyday commands (load, zones, reports, routes …);
- :mod:`mapping.cli.month`: the team leader's month; :mod:`mapping.cli.publish`: what goes to residents;
  :mod:`mapping.cli.admin`: accounts, the access log, purge, backup and restore;
- :mod:`mapping.cli.common`: what they share (exit codes, option checks, the store and dong).
"""

from mapping.cli.commands import build_parser, main

__all__ = ["build_parser", "main"]
