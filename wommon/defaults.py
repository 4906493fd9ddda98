"""Defaults in one place, each with the reason for its value."""

from __future__ import annotations

# A polite poll rate for blogs and news; most feeds change a few times a day at most.
SOURCE_INTERVAL_SECONDS = 900
# Faster than this is impolite to publishers and wastes our own fetch budget.
MIN_SOURCE_INTERVAL_SECONDS = 60
# Miniflux and FreshRSS use 20 s; a feed slower than that is broken, not busy.
FETCH_TIMEOUT_SECONDS = 20.0
# Enough for any real feed (the largest seen are a few MB), small enough to bound memory.
FETCH_MAX_BYTES = 10 * 1024 * 1024
# Real feeds redirect once or twice (http->https, old domain); more is a loop.
FETCH_MAX_REDIRECTS = 5
# Fetches run in a bounded pool; Miniflux uses 16 too. Mostly waiting on sockets, so cheap.
FETCH_WORKERS = 16
# Miniflux's default: more than two at once to one host looks like an attack to small sites.
FETCH_MAX_PER_HOST = 2
USER_AGENT = "wommon/{version} (+https://github.com/wommon/wommon)"

# Backoff after failures: double the interval each time, never more than a day (R9).
BACKOFF_MAX_SECONDS = 24 * 3600
# Spread polls so that sources added together do not fetch together forever.
JITTER_FRACTION = 0.1
# A claimed source is someone else's for this long; a crashed claimer's lease expires.
SOURCE_LEASE_SECONDS = 300

# "Clearly negative" in VADER compound: -0.05 is its "negative"; complaints without a strong
# word are caught by the complaint layer instead, so only strong negativity counts alone.
NEGATIVE_SENTIMENT = -0.5

# Detection: a story becomes an alert when this many negative mentions from this many
# independent domains arrive within the window. Two voices are the least that is "spreading".
DETECT_WINDOW_HOURS = 24.0
DETECT_MIN_MENTIONS = 3
DETECT_MIN_SOURCES = 2
# Share of key terms two texts need in common to be the same story.
DETECT_SIMILARITY = 0.25
# An update is worth a Slack message only when the story grew by this many mentions.
DETECT_UPDATE_STEP = 3
# Quiet for this long: cooling; twice as long: resolved.
DETECT_COOLDOWN_HOURS = 6.0

# Outbox delivery retries: exponential from 30 s, capped so a long Slack outage is
# retried every 15 minutes rather than hammered or forgotten (R25).
DELIVERY_RETRY_BASE_SECONDS = 30.0
DELIVERY_RETRY_MAX_SECONDS = 900.0
DELIVERY_LEASE_SECONDS = 120
# Slack allows about one message per second per channel; more gets 429s, then the app
# disabled.
SLACK_MESSAGES_PER_SECOND = 1.0

# Job periods of the daemon.
COLLECT_EVERY_SECONDS = 30
ANALYZE_EVERY_SECONDS = 30
DETECT_EVERY_SECONDS = 60
DELIVER_EVERY_SECONDS = 10
# SIGTERM: in-flight fetches and sends get this long before the process exits anyway.
STOP_TIMEOUT_SECONDS = 20.0

# A job running longer than this is hung: the watchdog pings stop and systemd restarts us.
JOB_TIMEOUT_SECONDS = 600.0
# How often the main loop wakes to check jobs, reloads and the watchdog when systemd set none.
MAIN_LOOP_SECONDS = 5.0

# A writer waits this long for another (daemon, backfill) before "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 30_000
