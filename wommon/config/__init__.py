"""TOML configuration -> validated, frozen settings; secrets from the environment or
systemd credentials, never from the file."""

from wommon.config.settings import *  # noqa: F403
from wommon.config.settings import (  # noqa: F401
    _SECRET_KEYS,
)
