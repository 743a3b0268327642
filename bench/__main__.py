"""`python -m bench` is the joulebench command."""

from bench.cli import main

main()
