"""``python -m platformctl``: the same as the ``platformctl`` console script."""

import sys

from .cli import main

sys.exit(main())
