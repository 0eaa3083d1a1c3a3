"""Serves one benchmark app the way `restagen serve` does (same hypercorn settings), without the CLI.

Usage: `python serve_endpoint.py MODULE:APP PORT [PATH ...]`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from restagen.local.serve import load_app, serve

if __name__ == "__main__":
    target, port, *paths = sys.argv[1:]
    serve(load_app(target, [Path(path) for path in paths]), port=int(port))
