"""The package version, defined once."""

__version__ = "0.22.0"
