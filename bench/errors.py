"""Typed exceptions at the boundaries; the CLI turns each into one line and exit status 2."""


class JoulebenchError(Exception):
    """Base of every error the command line reports as bad input or an unusable setup."""

    exit_code = 2


class InvalidInput(JoulebenchError, ValueError):
    """A value given by the user is malformed or out of range."""


class InvalidHeader(InvalidInput):
    """A block header that is not 80 bytes of hex, or whose fields are unusable."""


class InvalidTarget(InvalidInput):
    """A target or compact bits value that no valid block could meet."""


class DeviceUnavailable(JoulebenchError):
    """The asked-for device or backend is not present on this machine."""


class EnergyUnavailable(JoulebenchError):
    """No energy source can measure this device; carries the reason."""


class UnknownWorkload(InvalidInput):
    """A workload name that is not registered."""


class ScenarioError(InvalidInput):
    """A market scenario that is unknown, malformed or has impossible values."""


class ResultError(InvalidInput):
    """A result file that is missing, unreadable or not a joulebench result."""


class VerificationFailed(JoulebenchError):
    """A workload computed a wrong answer on this device: its figures must not be reported."""
