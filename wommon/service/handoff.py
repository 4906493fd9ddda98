"""Which stage has work because another one just made some.

Each stage runs on its own period, and a stage that made work for the next one wakes it at
once: mentions are analysed as soon as they are stored, detected as soon as they are
analysed, and an alert is delivered as soon as it is queued. Without this, a story found in
the first seconds of a cold start, or of a burst, waits for the periods of three jobs to
come round (30 s, 60 s and 10 s by default, far more on a daemon set to run its steps
seldom) before anyone hears of it. Collection wakes analysis from each fetch that stored
something (`Pipeline.on_stored`), not at the end of its run: a cold start's run over
thousands of feeds lasts minutes, and analysis keeps pace with it. On PostgreSQL the other
daemons hear of each hand-off too (store/wakes.py) and take their share at once. The
periods stay: they pick up what time alone changes, and any wake that was lost.
"""

from __future__ import annotations

from wommon.detect.detector import DetectReport

# The stage a fetch that stored new mentions wakes.
AFTER_STORING = "analyze"


def woken_by(stage: str, result: object) -> tuple[str, ...]:
    """The stages that have work because `stage` returned `result`."""
    if stage == "analyze" and isinstance(result, int) and result > 0:
        return ("detect",)
    if stage == "detect" and isinstance(result, DetectReport) and result.alerts_queued:
        return ("deliver",)
    return ()
