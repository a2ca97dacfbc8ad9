"""Offline sync: push commands, pull changes, upload blobs (next issue)."""
