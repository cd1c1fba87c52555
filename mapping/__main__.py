"""``python -m mapping``: see :mod:`mapping.cli.commands`."""

import sys

from mapping.cli.commands import main

sys.exit(main())
