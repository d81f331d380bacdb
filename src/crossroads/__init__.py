"""Crossroads: online community calls for coalitions."""

__version__ = "0.1.0"
