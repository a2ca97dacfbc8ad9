"""Socket.IO handlers (next issue)."""
