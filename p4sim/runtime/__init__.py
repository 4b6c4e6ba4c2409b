"""The v1model runtime: executes compiled programs with BMv2 simple_switch semantics."""
