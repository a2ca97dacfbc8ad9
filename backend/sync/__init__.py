"""Offline sync: phones push their queued commands, pull what changed and upload photos."""
