"""Imported by the extraction pool's fork server as it starts (and by nothing else):
the fork server ends with the process that started it (crawler.lifeline)."""

from crawler.lifeline import tie_to_parent

tie_to_parent()
