"""Collect: fetch due sources safely, parse them, and store new mentions idempotently."""
