"""Analyze: which brand a mention is about, and whether it tells a negative experience."""
