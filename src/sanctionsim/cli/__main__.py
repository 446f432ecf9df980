"""``python -m sanctionsim.cli``: the same as the ``sanctionsim`` command."""

from sanctionsim.cli.app import main

main()
