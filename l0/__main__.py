"""Command line: ``python -m l0 demo [...]`` and ``python -m l0 bench [...]``."""

from __future__ import annotations

import importlib
import sys

USAGE = """usage: python -m l0 <command> [options]

commands:
  demo    stream an answer through l0 from a local fault-injecting server
          (python -m l0 demo --help)
  bench   run the benchmark harness (python -m l0 bench --help)
"""


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(USAGE, end="")
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command == "demo":
        from l0.demo import main as demo_main

        return demo_main(rest)
    if command == "bench":
        try:
            bench = importlib.import_module("l0._bench.cli")
        except ImportError as exc:
            print(f"python -m l0 bench: the benchmark harness is not available ({exc})", file=sys.stderr)
            return 2
        return int(bench.main(rest) or 0)
    print(f"python -m l0: unknown command {command!r}\n\n{USAGE}", file=sys.stderr, end="")
    return 2


if __name__ == "__main__":
    sys.exit(main())
