# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Why a solvency provider gives no answer (raised by its fetch method, read by
``credit.solvency.provider._solvency_check_partner``). Plain Python, no ORM;
also importable from ``models/credit_solvency_provider.py``.
"""


class SolvencyFetchError(Exception):
    """A provider could not give an answer: the check is recorded as failed.

    ``message`` is already translated; ``payload`` is what the provider sent, if any.
    """

    def __init__(self, message, payload=None):
        super().__init__(message)
        self.payload = payload


class SolvencyRateLimited(SolvencyFetchError):
    """The provider asks to wait longer than we accept: stop calling it for this run."""


class SolvencyNetworkError(SolvencyFetchError):
    """The provider did not answer: no answer in time, no connection or a server
    error, after the retries. Counts towards the provider's circuit breaker."""


class SolvencyOutOfTime(SolvencyFetchError):
    """The time budget of the run is spent before the provider could be called:
    the check is not made (and not recorded), it is left for a later run."""
