"""veth pairs for tests that put packets on real interfaces (root only).

Every test that creates interfaces goes through here, so all of them come up the same way:
IPv6 is disabled before the link is up, so the kernel sends nothing of its own (router
solicitations, MLD reports) and a test can assert the exact frames seen.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path


def ip(*args: str) -> None:
    """Run `ip ARGS...`; CalledProcessError (with ip's message) when it fails."""
    subprocess.run(["ip", *args], check=True, capture_output=True)


def add_veth_pair(end: str, peer: str) -> None:
    """Create the pair `end` <-> `peer`, both up with IPv6 off; nothing is left if this fails."""
    ip("link", "add", end, "type", "veth", "peer", "name", peer)
    try:
        for name in (end, peer):
            Path(f"/proc/sys/net/ipv6/conf/{name}/disable_ipv6").write_text("1")
            ip("link", "set", name, "up")
        for name in (end, peer):
            wait_operstate(name, "up")
    except BaseException:
        delete_link(end)
        raise


def wait_operstate(ifname: str, state: str, timeout: float = 5.0) -> None:
    """Wait until the kernel reports `ifname` in operational `state` ("up", "down"): a veth's
    carrier follows `ip link set` asynchronously, so a test reading the state at once could
    see the old one. TimeoutError if it does not get there."""
    path = Path(f"/sys/class/net/{ifname}/operstate")
    deadline = time.monotonic() + timeout
    while path.read_text().strip() != state:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{ifname} is not {state} after {timeout} s")
        time.sleep(0.01)


def delete_link(ifname: str) -> None:
    """Delete an interface if it still exists (deleting one end of a veth deletes both)."""
    subprocess.run(["ip", "link", "del", ifname], capture_output=True, check=False)
