"""TypeScript services on Restate's TypeScript SDK, for the interoperability tests.

`node_modules()` installs the pinned SDK, zod and tsx from npm into the project's `.restate-ts/`
(or `RESTAGEN_TS_DIR`) once, as the tests install restate-server into `.restate/`; later runs find
them there. `serving(port, folder)` runs `services.ts` with tsx until the block ends.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from restagen.local.processes import spawn, stop
from tests.polling import wait_until

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
PINNED = {"@restatedev/restate-sdk": "1.17.2", "zod": "4.6.7", "tsx": "4.20.6"}
"""zod 4.6.7's schemas give the SDK the JSON Schemas it publishes in discovery (`~standard.jsonSchema`);
4.1's do not, and their handlers show no schema in the admin API."""


def prefix() -> Path:
    return Path(os.environ.get("RESTAGEN_TS_DIR", ROOT / ".restate-ts"))


def _installed(folder: Path) -> bool:
    for package, version in PINNED.items():
        manifest = folder / "node_modules" / package / "package.json"
        if not manifest.is_file() or json.loads(manifest.read_text())["version"] != version:
            return False
    return True


def node_modules() -> Path:
    """The folder holding the pinned packages' `node_modules`, installed with npm when missing."""
    folder = prefix().absolute()
    if _installed(folder):
        return folder
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise RuntimeError("the TypeScript interop tests need Node.js and npm")
    folder.mkdir(parents=True, exist_ok=True)
    packages = [f"{name}@{version}" for name, version in PINNED.items()]
    command = [
        npm,
        "install",
        "--no-audit",
        "--no-fund",
        "--ignore-scripts",
        "--prefix",
        str(folder),
        *packages,
    ]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    if not _installed(folder):
        raise RuntimeError(f"npm did not install {', '.join(packages)} into {folder}")
    return folder


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@contextmanager
def serving(port: int, folder: Path) -> Iterator[str]:
    """`services.ts` served on `port` while the block runs; yields its URI. `folder` is a scratch
    folder: the script runs from there, next to a link to the installed `node_modules`."""
    modules = node_modules() / "node_modules"
    shutil.copy(HERE / "services.ts", folder / "services.ts")
    link = folder / "node_modules"
    if not link.exists():
        link.symlink_to(modules, target_is_directory=True)
    tsx = modules / "tsx" / "dist" / "cli.mjs"
    process = spawn(["node", str(tsx), "services.ts", str(port)], cwd=folder)
    try:
        wait_until(lambda: _listening(port) or process.poll() is not None, "the TypeScript services listen")
        if process.poll() is not None:
            raise RuntimeError(f"the TypeScript services exited with {process.returncode} (output above)")
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)
