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
# A parser process may map this much memory: a 10 MB feed parses in about 200 MB, and a
# document that needs more (an entity bomb that got past every check) is refused, not obeyed.
PARSE_MEMORY_BYTES = 1024 * 1024 * 1024
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

# Detection: a story is worth an alert when the spread model's score (detect/spread.py) for
# it reaching DETECT_VIRAL_MENTIONS negative mentions is DETECT_ALERT_CONFIDENCE or more, and it
# already has this many mentions from this many independent voices. Two voices are the least that
# is "spreading"; 20 mentions of one complaint is a story a communications team must answer.
DETECT_WINDOW_HOURS = 24.0
DETECT_MIN_MENTIONS = 3
DETECT_MIN_SOURCES = 2
DETECT_VIRAL_MENTIONS = 20
# On the FakeNewsNet cascades (bench/replay.py) 0.4 alerts on 9 in 10 stories that go
# viral while they are under a fifth of their final size, and on few that stay small.
DETECT_ALERT_CONFIDENCE = 0.4
# Weighted share of key terms (rare terms weigh more) two texts need to be one story. Half:
# while a brand has few stories every complaint word looks rare, and "charged twice, no
# refund" alone must not merge a roaming story with a parking one.
DETECT_SIMILARITY = 0.5
# Cosine of multilingual sentence embeddings above which two texts tell the same story
# even with no word in common (a Spanish review and an English post about one failure).
DETECT_SEMANTIC_SIMILARITY = 0.65
# A resolved story that comes back within this many days re-opens its incident (and its
# Slack thread) instead of starting a new one.
DETECT_REOPEN_DAYS = 30.0
# A brand's usual rate is learnt from this many weeks of hourly counts.
BASELINE_WEEKS = 4
# A likely-viral story during a brand hour rarer than one in a million is high severity.
# `wommon backfill` seeds the counts: without history every busy hour looks that rare.
SURPRISE_HIGH = 6.0

# The spread model's memory kernel: a power law t^-(1+theta) sampled at these time scales.
# Stories are retold over weeks (the median viral FakeNewsNet story has 12% of its final size
# after a day), so the slowest scale is a month.
SPREAD_SCALES_HOURS = (1.0, 6.0, 24.0, 168.0, 720.0)
SPREAD_THETA = 0.4
# Further mentions per unit of pending intensity: lognormal, fitted to the spread of the
# FakeNewsNet cascades a day after their first share (median 10, quartiles 2.8 and 52).
# Detection decides on this model (DETECT_ALERT_CONFIDENCE was chosen with it).
SPREAD_MULTIPLIER_MEDIAN = 10.0
SPREAD_MULTIPLIER_SIGMA = 2.2
# What an alert says (its "at least" and its chance of going viral) uses the multiplier
# stories actually showed from a moment like the present one: a story in the first hours of
# a burst has far more to come per unit of pending intensity than one whose mentions are
# days old. Its log is normal, with a mean rising with the share of the pending intensity
# on the kernel's scales up to SPREAD_FRESH_HOURS; fitted by least squares on every
# FakeNewsNet dev story at 14 ages from 1 hour to a week (bench/forecast_calibration.py).
SPREAD_FRESH_HOURS = 6.0
SPREAD_SAID_LOG_MEDIAN = 1.517
SPREAD_SAID_LOG_MEDIAN_FRESH = 2.795
SPREAD_SAID_SIGMA = 1.89
# The forecast shown is this quantile: "at least this many, 7 times in 10".
SPREAD_FORECAST_QUANTILE = 0.3
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

# Heartbeats: often enough that a dead daemon's claims are taken over within half a minute,
# rarely enough to cost nothing. Two missed beats are a dead (or frozen) daemon.
HEARTBEAT_SECONDS = 10
HEARTBEAT_MISSES = 2
# PostgreSQL ends a transaction left idle this long: a daemon frozen inside one (SIGSTOP, a
# paused VM) would otherwise hold its row and advisory locks, and the others could neither
# take over its claims nor detect its brands. Far above the longest pause between two
# statements of a live transaction (a batch analysed, the encoder loaded).
IDLE_TRANSACTION_SECONDS = 30
# Taking over a silent daemon's claims waits this long for a row it still locks, then
# tries again at the next heartbeat: the beat itself never waits behind a frozen peer.
TAKEOVER_LOCK_WAIT_MS = 2_000
# Health: three failures in a row are a problem, not a blip; a job failing on and off is
# one when it has not succeeded for a quarter of an hour.
UNHEALTHY_AFTER_FAILURES = 3
UNHEALTHY_AFTER_SECONDS = 900

# A job running longer than this is hung: the watchdog pings stop and systemd restarts us.
JOB_TIMEOUT_SECONDS = 600.0
# How often the main loop wakes to check jobs, reloads and the watchdog when systemd set none.
MAIN_LOOP_SECONDS = 5.0

# A writer waits this long for another (daemon, backfill) before "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 30_000

# A brand's `near` terms count within this many words of its name.
BRAND_NEAR_WORDS = 10

# Mentions of a brand one detection run takes (one transaction); more run again at once.
DETECT_BATCH_MENTIONS = 2000
