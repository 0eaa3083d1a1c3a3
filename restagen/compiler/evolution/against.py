"""The old schema set of `restagen breaking --against OLD`: a folder, a file or a git revision.

OLD names a folder or file when one exists by that name; otherwise it is a revision of the git
repository around the current folder (`main`, `HEAD~1`, a tag, a commit). For a revision, the
definition files of that revision are written into a temporary folder with `git archive`, with no
network and without touching the work tree: every `*.restagen.yaml` file of the tree (so that
imports reaching outside the compared folders resolve) and the files named in PATHS. PATHS are
then read there at the same places relative to the repository. Positions in those files are
shown as `REVISION:path/in/repository`.
"""

from __future__ import annotations

import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from restagen.compiler.evolution.located import Label
from restagen.compiler.frontends.sources import SUFFIX

__all__ = ["AgainstError", "OldSchemas", "old_schemas"]


class AgainstError(Exception):
    """OLD names neither a file, a folder nor a revision that git can read."""


@dataclass(frozen=True)
class OldSchemas:
    paths: list[Path]
    """The old counterparts of PATHS that exist; none when the revision had none of them."""
    label: Label | None
    description: str


@contextmanager
def old_schemas(against: str, new_paths: list[Path]) -> Iterator[OldSchemas]:
    """The old schema set; a revision's files live only until the context ends."""
    if Path(against).exists():
        yield OldSchemas([Path(against)], None, against)
        return
    top = _toplevel(against)
    revision = _commit(top, against)
    relative = [_in_repository(top, path) for path in new_paths]
    with tempfile.TemporaryDirectory(prefix="restagen-breaking-") as folder:
        root = Path(folder).resolve()
        _extract(top, revision, relative, root)
        paths = [root / rel for rel in relative if (root / rel).exists()]

        def label(path: Path) -> str | None:
            try:
                return f"{against}:{path.relative_to(root).as_posix()}"
            except ValueError:
                return None

        yield OldSchemas(paths, label, against)


def _git(top: Path | None, *args: str) -> subprocess.CompletedProcess[bytes]:
    command = ["git", *(["-C", str(top)] if top else []), *args]
    try:
        return subprocess.run(command, capture_output=True, check=False)
    except OSError as exc:  # no git on this machine
        raise AgainstError(f"cannot run git to read revision: {exc}") from exc


def _toplevel(against: str) -> Path:
    done = _git(Path.cwd(), "rev-parse", "--show-toplevel")
    if done.returncode != 0:
        raise AgainstError(
            f"'{against}' is neither a file nor a folder, and the current folder is not in a git repository"
        )
    return Path(done.stdout.decode().strip()).resolve()


def _commit(top: Path, against: str) -> str:
    done = _git(top, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{against}^{{commit}}")
    if done.returncode != 0:
        raise AgainstError(f"'{against}' is neither a file, a folder nor a git revision of {top}")
    return done.stdout.decode().strip()


def _in_repository(top: Path, path: Path) -> str:
    """`path` relative to the repository's top, `.` for the top itself."""
    try:
        return path.resolve().relative_to(top).as_posix()
    except ValueError:
        raise AgainstError(f"{path} is outside the git repository {top}") from None


def _extract(top: Path, revision: str, relative: list[str], root: Path) -> None:
    listed = _git(top, "ls-tree", "-r", "-z", "--name-only", "--full-tree", revision)
    if listed.returncode != 0:
        raise AgainstError(f"git cannot list revision {revision}: {listed.stderr.decode().strip()}")
    names = [n.decode() for n in listed.stdout.split(b"\0") if n]
    wanted = set(relative)
    chosen = [name for name in names if name.endswith(SUFFIX) or name in wanted]
    if not chosen:
        return
    archive = root / ".archive.tar"
    done = _git(
        top, "--literal-pathspecs", "archive", "--format=tar", "-o", str(archive), revision, "--", *chosen
    )
    if done.returncode != 0:
        raise AgainstError(f"git cannot read revision {revision}: {done.stderr.decode().strip()}")
    with tarfile.open(archive) as tar:
        tar.extractall(root, filter="data")  # no links out of the folder, no special files
    archive.unlink()
