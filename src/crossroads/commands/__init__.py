"""CLI commands too large for cli.py; each module has ``register(cli)``."""
