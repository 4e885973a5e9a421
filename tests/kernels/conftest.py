"""Makes the kernel tests' shared helper module importable (import mode is importlib)."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
