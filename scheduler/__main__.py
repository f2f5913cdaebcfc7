"""`python -m scheduler` is the `newsradar` command."""

from scheduler.cli import main

main()
