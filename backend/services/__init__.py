"""Services: one handler per command, each inside a unit of work."""
