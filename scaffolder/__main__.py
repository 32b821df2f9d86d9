"""`python -m scaffolder` runs the `copilot` command."""

from scaffolder.cli import main

main()
