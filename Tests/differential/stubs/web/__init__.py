"""Stand-in for web.py's package: only what pickles need (web.utils.Storage)."""
