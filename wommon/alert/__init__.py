"""Alert: deliver queued alerts to Slack or the console, each exactly once."""
