"""Benchmarks for dlsg_utils: ``python -m benchmarks`` (or ``make bench``) runs them all.

They print timings and report how close they come to their goals; they never assert, because
times depend on the machine. ``conv_bench``: the NumPy convolutions against torch.
"""
