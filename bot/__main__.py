"""``python -m bot``: the same as the ``siaga`` command."""

from bot.cli import main

raise SystemExit(main())
