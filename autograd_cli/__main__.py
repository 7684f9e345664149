"""``python -m autograd_cli``: the same as the ``vjp`` command."""

from .cli import main

main()
