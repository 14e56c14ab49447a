"""constructs_lib._files.read_regular_file: what is checked is the file opened, not the path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from constructs_lib._files import NotRegularFile, read_regular_file

ROOT = Path(__file__).resolve().parent.parent


def test_a_regular_file_is_read_up_to_one_byte_past_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "file"
    path.write_bytes(b"0123456789")
    assert read_regular_file(path, 4) == b"01234"
    assert read_regular_file(path, 100) == b"0123456789"


def test_a_pipe_without_a_writer_is_refused_without_waiting(tmp_path: Path) -> None:
    """Opened without waiting for a writer, the pipe is refused at once; a plain open would
    block for ever (run in a process of its own with a timeout, so a regression cannot hang)."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    code = (
        "import sys\nfrom constructs_lib._files import NotRegularFile, read_regular_file\n"
        "try:\n    read_regular_file(sys.argv[1], 10)\nexcept NotRegularFile:\n    print('refused')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(fifo)], cwd=ROOT, capture_output=True, text=True, timeout=30
    )
    assert result.stdout.strip() == "refused", result.stderr


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NotRegularFile):
        read_regular_file(tmp_path, 10)


def test_a_link_is_followed_only_when_asked(tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.write_bytes(b"data")
    link = tmp_path / "link"
    link.symlink_to(target)
    assert read_regular_file(link, 10) == b"data"
    with pytest.raises(OSError) as err:
        read_regular_file(link, 10, follow_links=False)
    assert not isinstance(err.value, NotRegularFile)


def test_a_missing_file_is_the_operating_systems_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_regular_file(tmp_path / "missing", 10)
