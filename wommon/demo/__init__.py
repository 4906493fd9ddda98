"""`wommon demo`: the real pipeline on bundled sample feeds, a local server and simulated time."""
