"""Run modes beside the daemon: backfill (history), replay (real cascades, scored) and
the evaluation of the analysis."""
