"""Whether this kernel can emulate link delay and loss (the netem qdisc), and what to drop if not.

Some kernels (this project's CI among them) are built without sch_netem. Mininet would print a
tc error per link and go on with links that silently lack the requested delay; instead, the
scenario drops the netem options up front with one clear warning per link. Bandwidth limits use
htb, which such kernels usually still have.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from typing import Any

NETEM_OPTIONS = ("delay", "jitter", "loss", "max_queue_size")


def netem_available() -> bool | None:
    """Try a netem qdisc on the loopback of a throwaway network namespace.

    None when this cannot be told (not root, or `unshare`/`tc` missing). The namespace lives
    only as long as the probe command, so nothing is left behind.
    """
    unshare, tc = shutil.which("unshare"), shutil.which("tc")
    if unshare is None or tc is None:
        return None
    probe = [unshare, "--net", tc, "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms"]
    try:
        result = subprocess.run(probe, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode == 0:
        return True
    if "Operation not permitted" in result.stderr or "Permission denied" in result.stderr:
        return None
    return False


def usable_link_options(
    options: Sequence[tuple[str, Any]], netem: bool
) -> tuple[dict[str, Any], list[str]]:
    """(options Mininet's TCLink can apply here, `key=value` texts of the ones dropped)."""
    kept: dict[str, Any] = {}
    dropped: list[str] = []
    for key, value in options:
        if key in NETEM_OPTIONS and not netem:
            dropped.append(f"{key}={value}")
        else:
            kept[key] = value
    return kept, dropped
