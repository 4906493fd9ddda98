"""The running daemon and what it serves: the pipeline of stage steps, its lifecycle,
health, metrics, status and the systemd protocol."""
