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


class Terminated(KeyboardInterrupt):
    """SIGTERM (timeout, a CI cancel, docker stop, a Slurm time limit): stop as on Ctrl-C."""

    exit_code = 143  # 128 + SIGTERM, as a shell reports it


class RunInterrupted(KeyboardInterrupt):
    """A run stopped by Ctrl-C or SIGTERM; says exactly what it left behind."""

    def __init__(
        self, kept: object, measured: int, planned: int, cause: BaseException | None = None
    ) -> None:
        self.kept, self.measured, self.planned = kept, measured, planned
        self.exit_code = getattr(cause, "exit_code", 130)  # 128 + SIGINT unless SIGTERM
        if kept is None:
            what = "no result written (no workload had finished)"
        else:
            what = (
                f"result kept at {kept} ({measured} of {planned} workloads measured); "
                "report not written"
            )
        super().__init__(f"interrupted; {what}")


class RanksInterrupted(RunInterrupted):
    """`run --device all` stopped: each local rank kept its own result in the job's folder."""

    def __init__(self, folder: object, cause: BaseException | None = None) -> None:
        super().__init__(folder, 0, 0, cause)
        self.args = (
            f"interrupted; each rank's result kept in {folder} (join them with "
            f"`joulebench merge {folder} --allow-missing`); report not written",
        )
