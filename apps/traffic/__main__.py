"""`python -m apps.traffic`: see apps.traffic.cli."""

import sys

from apps.traffic.cli import main

sys.exit(main())
