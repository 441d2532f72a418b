# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Unit tests of tools/http.py: plain Python, no database, no network."""

import email.utils
import time
from unittest.mock import patch

import requests

from odoo.tests import BaseCase, tagged

from odoo.addons.credit_management.tools import http
from odoo.addons.credit_management.tools.http import HttpError, get_json

GET = "odoo.addons.credit_management.tools.http.requests.get"
URL = "https://api.example.com/search"


def _response(status=200, text='{"ok": true}', headers=None):
    response = requests.Response()
    response.status_code = status
    response._content = text.encode("utf-8")
    response.encoding = "utf-8"
    response.headers.update(headers or {})
    return response


@tagged("post_install", "-at_install")
class TestToolsHttp(BaseCase):
    def setUp(self):
        super().setUp()
        self.sleeps = []
        self.calls = []

    def _get(self, answers, **kwargs):
        """``get_json`` with ``requests.get`` answering ``answers`` in turn."""
        answers = list(answers)

        def get(url, params=None, headers=None, timeout=None):
            self.calls.append({"url": url, "params": params, "timeout": timeout})
            answer = answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer

        kwargs.setdefault("sleep", self.sleeps.append)
        with patch(GET, side_effect=get):
            return get_json(URL, params={"q": "1"}, **kwargs)

    def assertHttpError(self, answers, code, **kwargs):
        with self.assertRaises(HttpError) as caught:
            self._get(answers, **kwargs)
        self.assertEqual(caught.exception.code, code)
        return caught.exception

    def test_answer(self):
        data, text = self._get([_response()], timeout=5.0)
        self.assertEqual((data, text), ({"ok": True}, '{"ok": true}'))
        self.assertEqual(self.calls, [{"url": URL, "params": {"q": "1"}, "timeout": 5.0}])
        self.assertFalse(self.sleeps)

    def test_retries_with_backoff(self):
        answers = [requests.ConnectionError("reset"), _response(503, "down"), _response()]
        self.assertEqual(self._get(answers, retries=2)[0], {"ok": True})
        self.assertEqual(self.sleeps, [1.0, 2.0])
        self.assertEqual([http.backoff(attempt) for attempt in (0, 1, 2, 10)], [1, 2, 4, 30])

    def test_network_failure_after_retries(self):
        answers = [_response(500, "oops"), requests.ReadTimeout("slow"), requests.ConnectTimeout()]
        error = self.assertHttpError(answers, http.TIMEOUT, retries=2, timeout=7.5)
        self.assertEqual(error.params, {"seconds": 7.5})
        self.assertEqual(error.attempts, 3)
        self.assertEqual(error.payload, "oops", "the last answer received")
        self.assertTrue(error.network_failure)
        error = self.assertHttpError(
            [requests.ConnectionError("refused")], http.CONNECTION, retries=0
        )
        self.assertEqual((error.params, error.attempts), ({"host": "api.example.com"}, 1))
        error = self.assertHttpError([_response(502, "bad gateway")], http.SERVER_ERROR, retries=0)
        self.assertEqual((error.params, error.payload), ({"status": 502}, "bad gateway"))

    def test_client_errors_not_retried(self):
        error = self.assertHttpError([_response(404, "nope")], http.REFUSED, retries=3)
        self.assertEqual(
            (error.params, error.payload, error.attempts), ({"status": 404}, "nope", 1)
        )
        self.assertFalse(error.network_failure)
        error = self.assertHttpError([_response(text="<html>")], http.NOT_JSON, retries=3)
        self.assertEqual(error.payload, "<html>")
        error = self.assertHttpError(
            [requests.exceptions.InvalidURL("no host")], http.REQUEST_FAILED, retries=3
        )
        self.assertEqual((error.params, error.payload), ({"error": "no host"}, None))
        self.assertEqual(len(self.calls), 3)

    def test_rate_limit(self):
        limited = _response(429, "slow down", {"Retry-After": "7"})
        self.assertEqual(self._get([limited, _response()])[0], {"ok": True})
        self.assertEqual(self.sleeps, [7.0], "the delay asked for, not the backoff")
        error = self.assertHttpError([_response(429)] * 2, http.TOO_MANY_REQUESTS, retries=1)
        self.assertEqual(error.attempts, 2)
        self.assertTrue(error.network_failure)
        hard = _response(429, "come back tomorrow", {"Retry-After": "3600"})
        error = self.assertHttpError([hard], http.RATE_LIMITED, retries=5)
        self.assertEqual((error.params, error.payload), ({"seconds": 3600}, "come back tomorrow"))
        self.assertFalse(error.network_failure)

    def test_retry_after(self):
        self.assertIsNone(http.retry_after(_response()))
        self.assertEqual(http.retry_after(_response(headers={"Retry-After": " 12 "})), 12.0)
        self.assertIsNone(http.retry_after(_response(headers={"Retry-After": "soon"})))
        now = time.time()
        later = email.utils.formatdate(now + 90, usegmt=True)
        wait = http.retry_after(_response(headers={"Retry-After": later}), now=now)
        self.assertAlmostEqual(wait, 90, delta=1)
        past = email.utils.formatdate(now - 90, usegmt=True)
        self.assertEqual(http.retry_after(_response(headers={"Retry-After": past}), now=now), 0)

    def test_time_budget(self):
        clock = [0.0]

        def advance(seconds):
            clock[0] += seconds

        def time_left():
            return 12.0 - clock[0]

        def slow(url, params=None, headers=None, timeout=None):
            self.calls.append({"url": url, "timeout": timeout})
            advance(timeout)
            raise requests.ReadTimeout()

        # the calls are shortened to the budget; no retry whose wait does not fit
        with patch(GET, side_effect=slow), self.assertRaises(HttpError) as caught:
            get_json(URL, timeout=5.0, retries=5, time_left=time_left, sleep=advance)
        self.assertEqual(caught.exception.code, http.TIMEOUT)
        self.assertEqual([call["timeout"] for call in self.calls], [5.0, 5.0])
        self.assertEqual(caught.exception.attempts, 2, "5 s, wait 1 s, 5 s: 1 s left < 2 s wait")
        self.assertEqual(clock[0], 11.0)
        clock[0] = 3.0
        self.calls = []
        with patch(GET, side_effect=slow), self.assertRaises(HttpError):
            get_json(URL, timeout=5.0, retries=5, time_left=time_left, sleep=advance)
        self.assertEqual([call["timeout"] for call in self.calls], [5.0, 3.0], "shortened")
        # no time left before the call: nothing made
        self.calls = []
        error = self.assertHttpError([_response()], http.OUT_OF_TIME, time_left=lambda: 0.0)
        self.assertFalse(self.calls)
        self.assertFalse(error.network_failure)
        self.assertEqual(self._get([_response()], time_left=lambda: 2.5)[0], {"ok": True})
        self.assertEqual(self.calls[-1]["timeout"], 2.5)
        self.assertEqual(self._get([_response()], time_left=lambda: None)[0], {"ok": True})

    def test_throttle(self):
        last_calls = {}
        waits = []
        http.throttle(last_calls, "registry", 0.5, waits.append)
        self.assertFalse(waits, "no call yet")
        http.throttle(last_calls, "registry", 0.5, waits.append)
        self.assertEqual(len(waits), 1)
        self.assertGreater(waits[0], 0.4)
        http.throttle(last_calls, "bodacc", 0.5, waits.append)
        self.assertEqual(len(waits), 1, "one pace per key")
