"""The read-only web UI and the report: pages, charts and the figures behind them."""
