"""``python -m sanctionsim.cli``: the same as the ``sanctionsim`` command."""

from sanctionsim.cli.entry import main

main()
