"""xennet: find why Xen guests cannot talk on the network."""

__version__ = "0.1.0"
