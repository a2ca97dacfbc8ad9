"""Realtime: the Socket.IO handlers (who may listen to what). The outbox relay that publishes to them is an
adapter (adapters/outbox_relay.py), built and started by the wiring (bootstrap.py)."""
