"""Route modules; each router carries the CSRF dependency for its state changes."""
