"""Platform configuration: schema, validation, naming. Read once, in app.py."""

from platform_config.loader import ConfigError, load_config, parse_config
from platform_config.schema import PlatformConfig

__all__ = ["ConfigError", "PlatformConfig", "load_config", "parse_config"]
