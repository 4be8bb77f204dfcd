"""Run every benchmark: ``python -m benchmarks [--repeats N] [--naive-repeats N]``."""

from __future__ import annotations

import sys

from benchmarks import conv_bench


def main(argv: list[str] | None = None) -> int:
    return conv_bench.main(argv)


if __name__ == "__main__":
    sys.exit(main())
