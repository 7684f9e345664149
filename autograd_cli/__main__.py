"""``python -m autograd_cli``: the same as the ``vjp`` command."""

from .channels import main

main()
