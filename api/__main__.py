"""`python -m api` runs the `ecei` command line."""

import sys

from api.cli import main

sys.exit(main())
