"""Running the portal's Python in a fresh process: a broken setting, an unreachable server or a
reader that aborts the interpreter fails there, not in the test's own process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_python(
    *arguments: str, env: dict[str, str] | None = None, timeout: int = 60
) -> subprocess.CompletedProcess[str]:
    """`python <arguments>` in the checkout (this interpreter), its output captured as text;
    the caller checks `returncode`."""
    return subprocess.run(  # noqa: S603 (our own code, this interpreter)
        [sys.executable, *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
