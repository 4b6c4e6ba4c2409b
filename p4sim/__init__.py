"""p4sim: the project's embedded v1model target (compiler, executor, P4Runtime server).

It exists because p4c and BMv2 cannot be installed from package registries; it is held to
BMv2's behaviour, so every program it accepts must also compile with p4c.
"""

__version__ = "0.1.0"
