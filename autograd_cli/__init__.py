"""vjp: Jacobians and vector-Jacobian products of a typed vector function, by PyTorch autograd."""

__version__ = "0.1.0"
