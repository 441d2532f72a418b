# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""GET a JSON answer from a web service that may be slow, down or rate-limited:
timeout, bounded retries with exponential backoff, the delay a rate limit asks
for (``Retry-After``), and an optional time budget.

Plain Python, no ORM: a call that gives no usable answer raises ``HttpError``
with a code and the values of its message; the caller words (and translates) it.
"""

import email.utils
import logging
import time
import urllib.parse

import requests

_logger = logging.getLogger(__name__)

# exponential backoff between retries: 1 s, 2 s, 4 s... never more than the cap
BACKOFF_BASE = 1.0
BACKOFF_CAP = 30.0
# a rate-limited answer asking to wait longer than this fails the call at once
RETRY_AFTER_CAP = 60.0

# Codes of HttpError, with the values (params) their message shows. The first
# four are network failures, retried while attempts are left.
TIMEOUT = "timeout"  # seconds: the timeout asked for
CONNECTION = "connection"  # host
TOO_MANY_REQUESTS = "too_many_requests"  # HTTP 429
SERVER_ERROR = "server_error"  # status: 5xx
RATE_LIMITED = "rate_limited"  # seconds: HTTP 429 asking to wait longer than RETRY_AFTER_CAP
REFUSED = "refused"  # status: 4xx other than 429
NOT_JSON = "not_json"
REQUEST_FAILED = "request_failed"  # error: what requests says (invalid URL...)
OUT_OF_TIME = "out_of_time"  # the time budget is spent before the call
NETWORK_FAILURES = (TIMEOUT, CONNECTION, TOO_MANY_REQUESTS, SERVER_ERROR)


class HttpError(Exception):
    """No usable answer: ``code`` says why, ``params`` holds the values of the
    message that tells the user, ``payload`` is the text of the last answer
    received (or None) and ``attempts`` the number of calls made."""

    def __init__(self, code, payload=None, attempts=1, **params):
        super().__init__(code, params)
        self.code = code
        self.params = params
        self.payload = payload
        self.attempts = attempts

    @property
    def network_failure(self):
        """The service did not answer (in time, at all, or without a server
        error), after the retries."""
        return self.code in NETWORK_FAILURES


def backoff(attempt):
    """Seconds to wait before the retry after attempt number ``attempt`` (from 0)."""
    return min(BACKOFF_BASE * 2**attempt, BACKOFF_CAP)


def retry_after(response, now=None):
    """Seconds to wait from the Retry-After header of ``response`` (seconds or
    an HTTP date), or None."""
    value = (response.headers.get("Retry-After") or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(moment.timestamp() - (time.time() if now is None else now), 0.0)


def throttle(last_calls, key, interval, sleep=None):
    """Wait until ``interval`` seconds have passed since the last call for
    ``key``, then note this one in ``last_calls`` ({key: monotonic time})."""
    elapsed = time.monotonic() - last_calls.get(key, 0.0)
    if elapsed < interval:
        (sleep or time.sleep)(interval - elapsed)
    last_calls[key] = time.monotonic()


def get_json(url, params=None, headers=None, timeout=10.0, retries=2, time_left=None, sleep=None):
    """GET a JSON answer: connection errors, timeouts and server errors (5xx)
    are retried after an exponential backoff, a rate limit (429) after the
    delay of its Retry-After header; other client errors (4xx) are not retried.

    :param float timeout: seconds to wait for each answer
    :param int retries: retries after the first call
    :param time_left: function giving the seconds left of the time budget
        (None: no budget); each call is shortened to fit in it, a retry not
        made when its wait would not
    :param sleep: function waiting a number of seconds (default ``time.sleep``)
    :return: ``(data, text)``: the decoded JSON and the raw answer
    :raise HttpError: without a usable answer
    """
    sleep = sleep or time.sleep
    attempts = max(retries, 0) + 1
    failure = None
    payload = None
    for attempt in range(attempts):
        delay = backoff(attempt)
        call_timeout = timeout
        left = time_left() if time_left else None
        if left is not None:
            if left <= 0:
                raise HttpError(OUT_OF_TIME, attempts=attempt)
            call_timeout = min(timeout, left)
        try:
            response = requests.get(url, params=params, headers=headers, timeout=call_timeout)
        except requests.Timeout:
            failure = HttpError(TIMEOUT, seconds=timeout)
        except requests.ConnectionError as error:
            _logger.info("connection to %s failed: %s", url, error)
            failure = HttpError(CONNECTION, host=urllib.parse.urlsplit(url).hostname)
        except requests.RequestException as error:
            raise HttpError(REQUEST_FAILED, attempts=attempt + 1, error=str(error)) from error
        else:
            status = response.status_code
            payload = response.text
            if status == 429:
                wait = retry_after(response)
                if wait is not None and wait > RETRY_AFTER_CAP:
                    raise HttpError(RATE_LIMITED, payload, attempt + 1, seconds=int(wait))
                failure = HttpError(TOO_MANY_REQUESTS)
                delay = delay if wait is None else wait
            elif status >= 500:
                failure = HttpError(SERVER_ERROR, status=status)
            elif status >= 400:
                raise HttpError(REFUSED, payload, attempt + 1, status=status)
            else:
                try:
                    return response.json(), payload
                except ValueError as error:
                    raise HttpError(NOT_JSON, payload, attempt + 1) from error
        failure.payload, failure.attempts = payload, attempt + 1
        if attempt + 1 < attempts:
            left = time_left() if time_left else None
            if left is not None and delay >= left:
                break  # no time left to wait and try again
            _logger.info("%s: %s, retrying in %ss", url, failure.code, delay)
            sleep(delay)
    raise failure
