"""Platform configuration: schema, validation, naming. Read once, in app.py."""

from config.loader import ConfigError, load_config, parse_config
from config.schema import PlatformConfig

__all__ = ["ConfigError", "PlatformConfig", "load_config", "parse_config"]
