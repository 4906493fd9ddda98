"""Detect: group negative mentions into incidents and decide when one deserves an alert."""
