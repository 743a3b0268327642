"""joulebench: what one joule earns on a card, mining SHA-256d or serving AI inference."""

__version__ = "0.1.0"

import logging as _logging

# Library code logs; the command line decides what reaches the terminal (`joulebench -v`).
# Without this, Python's last-resort handler would print warnings beside the CLI's one-line
# error messages.
_logging.getLogger(__name__).addHandler(_logging.NullHandler())
