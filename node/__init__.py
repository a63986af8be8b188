"""Skiller node: a federated community of professional skills."""

__version__ = "0.1.0"
