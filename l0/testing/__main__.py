"""``python -m l0.testing [--host H] [--port P]``: serve the fault server in the foreground."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m l0.testing", description="OpenAI-compatible fault-injecting server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--answer-file", help="serve this file's text instead of numbered words")
    args = parser.parse_args(argv)
    from l0.testing.server import serve_forever

    answer = None
    if args.answer_file:
        with open(args.answer_file, encoding="utf-8") as fh:
            answer = fh.read()
    serve_forever(args.host, args.port, answer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
