"""The `onestop` command accepts hyphenated command names."""

import subprocess
import sys

from onestop.__main__ import command_argv


def test_hyphens_become_underscores_in_the_command_name_only() -> None:
    assert command_argv(["onestop", "hotline-eval", "my-file.jsonl"]) == [
        "onestop",
        "hotline_eval",
        "my-file.jsonl",
    ]
    assert command_argv(["onestop", "--help"]) == ["onestop", "--help"]
    assert command_argv(["onestop", "migrate"]) == ["onestop", "migrate"]
    assert command_argv(["onestop"]) == ["onestop"]


def test_a_hyphenated_command_runs(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "onestop", "hotline-eval", "--help"],
        capture_output=True,
        text=True,
        env={"DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout
    assert "hotline_eval" in result.stdout
