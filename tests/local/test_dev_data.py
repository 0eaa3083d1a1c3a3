"""Where `restagen dev` keeps its server's data: a folder of its own below `.restate/dev-data/`,
held while the run lasts; the folder of a run that was killed goes with the next run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from restagen.local.dev import data_folder
from restagen.local.processes import spawn, stop

HOLDER = """\
import sys, time
from pathlib import Path
from restagen.local.dev import data_folder

print(data_folder(Path(sys.argv[1]))[0], flush=True)
time.sleep(600)
"""


def test_a_run_keeps_the_folders_of_running_ones_and_removes_the_rest(tmp_path: Path) -> None:
    root = tmp_path / "dev-data"
    first, held = data_folder(root)
    second, other = data_folder(root)
    assert first.is_dir() and second.is_dir() and first != second, "a running dev keeps its folder"
    assert first.parent == second.parent == root
    os.close(held)  # the first run ended without removing its folder
    third, last = data_folder(root)
    assert sorted(root.iterdir()) == sorted([root / ".lock", second, third])
    os.close(other)
    os.close(last)


def test_the_folder_of_a_killed_run_goes_with_the_next_run(tmp_path: Path) -> None:
    root = tmp_path / "dev-data"
    (tmp_path / "holder.py").write_text(HOLDER)
    holder = spawn([sys.executable, tmp_path / "holder.py", root], stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None
        killed = Path(holder.stdout.readline().decode().strip())
        (killed / "server.log").write_text("the server's data\n")
        ours, held = data_folder(root)
        assert killed.is_dir(), "its run still holds it"
        stop(holder, kill=True)
        os.close(held)
        _, last = data_folder(root)
        os.close(last)
        assert not killed.exists() and not ours.exists()
    finally:
        stop(holder, kill=True)
