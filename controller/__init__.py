"""P4Runtime control plane: one subpackage per system (SD-WAN gateway, Raft cache, HydraNF)."""
