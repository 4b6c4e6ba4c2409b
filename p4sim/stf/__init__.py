"""`p4sim stf`: p4c's STF packet tests on p4sim.

Modules, in the order data flows: `syntax` (text -> commands), `catalog` (P4Info names),
`bind` (commands -> checked control-plane operations), `runner` (operations and packets on a
`Switch`), `report` (expected vs received packets), `cli` (the command).
"""

from __future__ import annotations


def main(argv: list[str]) -> int:
    """`p4sim stf PROGRAM.p4 TEST.stf [-I DIR] [-v]`; argv excludes the `stf` word. Imported
    lazily so that `p4sim compile` does not load the runtime."""
    from p4sim.stf.cli import main as stf_main

    return stf_main(argv)
