"""The only package that knows table shapes; hands back plain records."""
