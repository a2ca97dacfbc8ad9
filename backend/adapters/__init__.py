"""Adapters: the database, and later realtime, push, storage, carriers and mail."""
