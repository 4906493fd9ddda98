"""Charts: the figures behind them (pure) and their drawing (matplotlib), shared by the
web UI, the report and Slack."""
