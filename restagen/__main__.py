"""`python -m restagen` runs the command line."""

from restagen.cli import entry

entry()
