"""Local development helpers: a real Restate server on this machine, and serving an app with hypercorn."""
