"""``python -m nlu ...``: the same commands as ``siaga nlu ...``."""

import sys

from nlu.cli import main

sys.exit(main())
