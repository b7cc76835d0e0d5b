"""``python -m sim``: the command line (see sim/cli.py)."""

import sys

try:
    from sim.cli import main
except KeyboardInterrupt:  # Ctrl-C while the libraries load: nothing has started yet
    print("interrupted", file=sys.stderr)
    sys.exit(130)

sys.exit(main())
