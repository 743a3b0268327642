"""joulebench: what one joule earns on a card, mining SHA-256d or serving AI inference."""

__version__ = "0.1.0"
