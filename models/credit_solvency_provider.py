# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import logging
import time

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools import company_ids, http
from ..tools.solvency_errors import (
    SolvencyFetchError,
    SolvencyNetworkError,
    SolvencyOutOfTime,
    SolvencyRateLimited,
)

_logger = logging.getLogger(__name__)

USER_AGENT = "Odoo credit_management (customer solvency check)"
# time of the last call of each provider (per worker), to keep below its rate limit
_LAST_CALL = {}


class CreditSolvencyProvider(models.Model):
    """A source of solvency information used by one company.

    Each kind of provider (``code``) is implemented in its own file by a method
    ``_solvency_fetch_<code>(partner)``; a module adding a paid agency extends the
    selection and implements its method, without touching the core. The base
    model runs the checks (``_solvency_check_partners``) and offers the shared
    tools: SIREN of a customer, HTTP GET with timeout, bounded retries, backoff
    and respect of rate limits.

    A run (``run``, a dict shared by the calls of one review or one click) keeps
    what it learnt: answers per customer, providers that rate-limit us hard, and
    a circuit breaker per provider: after ``failure_threshold`` consecutive
    network failures, the provider is not called again in the run. A run may
    have a deadline (``run["deadline"]``, see ``_solvency_clock``): the calls
    are shortened to fit in it, and the customers it leaves unchecked are listed
    in ``run["skipped"]``.
    """

    _name = "credit.solvency.provider"
    _description = "Solvency Provider"
    _order = "company_id, sequence, id"

    name = fields.Char(required=True)
    code = fields.Selection([], required=True, string="Provider")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    api_key = fields.Char(
        string="API Key",
        groups="base.group_system",
        copy=False,
        help="For paid agencies only; readable by administrators only.",
    )
    timeout = fields.Float(default=10.0, help="Seconds to wait for an answer.")
    max_retries = fields.Integer(
        default=2, help="Retries after a network error, a server error or a rate limit."
    )
    failure_threshold = fields.Integer(
        string="Failures Before Pause",
        default=5,
        help="A periodic review (or a check of several customers) stops calling this provider "
        "after this many customers in a row without an answer (no answer in time, no "
        "connection, server error); the next review tries again.",
    )
    pause_date = fields.Datetime(
        string="Last Paused", readonly=True, copy=False, help="When a run last stopped calling it."
    )
    pause_reason = fields.Text(string="Why Paused", readonly=True, copy=False)

    @api.constrains("failure_threshold")
    def _check_failure_threshold(self):
        for provider in self:
            if provider.failure_threshold < 1:
                raise ValidationError(
                    self.env._(
                        "%(provider)s must pause after at least one failure.",
                        provider=provider.name,
                    )
                )

    @api.constrains("timeout", "max_retries")
    def _check_network_settings(self):
        for provider in self:
            if provider.timeout <= 0 or provider.max_retries < 0 or provider.max_retries > 10:
                raise ValidationError(
                    self.env._(
                        "The timeout of %(provider)s must be positive and its retries "
                        "between 0 and 10.",
                        provider=provider.name,
                    )
                )

    # ------------------------------------------------------------------
    # Running checks
    # ------------------------------------------------------------------

    @api.model
    def _solvency_check_partners(self, partners, trigger="user", companies=None, run=None):
        """Check these customers now with the active providers of ``companies``
        (default: the current company), in sequence; one check per customer and
        provider is kept on record.

        Makes network calls: never call it inside the transaction of a user's
        order confirmation. Never raises for a provider's failure: a failed call,
        a refused or malformed answer gives a failed check with its reason, which
        changes nothing else on the customer.

        :param dict run: state shared by the calls of one run (see the class),
            updated in place; ``run["skipped"]``: ids of the customers left
            unchecked by a provider (paused or out of time), ``run["stopped"]``:
            every provider is paused, the customers after were not tried
        :return: the ``credit.solvency.check`` records created
        """
        companies = companies or self.env.company
        run = {} if run is None else run
        providers = (
            self.sudo()
            .search([("company_id", "in", companies.ids), ("active", "=", True)])
            .with_env(self.env)
        )
        if run.get("deadline") is not None:
            providers = providers.with_context(solvency_deadline=run["deadline"])
        checks = self.env["credit.solvency.check"]
        customers = partners.commercial_partner_id
        for index, partner in enumerate(customers):
            if providers and all(("paused", provider.code) in run for provider in providers):
                run["stopped"] = True
                run.setdefault("skipped", set()).update(customers[index:].ids)
                break
            for provider in providers:
                checks |= provider._solvency_check_partner(partner, trigger, run)
        return checks

    def _solvency_check_partner(self, partner, trigger, run):
        """Fetch and record one provider's check of one customer.

        ``run`` is shared by one run: a public source is not called twice for
        the same customer (several companies), a provider that rate-limits us
        hard or that stopped answering is not called again in this run, and a
        call that does not fit in the run's deadline is not made.
        """
        self.ensure_one()
        key = (self.code, partner.id)
        if ("paused", self.code) in run:
            run.setdefault("skipped", set()).add(partner.id)
            return self.env["credit.solvency.check"]
        try:
            if ("blocked", self.code) in run:
                raise run[("blocked", self.code)]
            if key not in run:
                try:
                    run[key] = self._solvency_fetch(partner)
                except SolvencyOutOfTime:
                    raise
                except SolvencyRateLimited as error:
                    run[("blocked", self.code)] = error
                    raise
                except SolvencyNetworkError as error:
                    run[key] = error
                    self._solvency_count_failure(run, error)
                    raise
                except SolvencyFetchError as error:
                    run[key] = error
                    if error.payload is not None:  # it answered, though not as hoped
                        run[("failures", self.code)] = 0
                    raise
                run[("failures", self.code)] = 0
            if isinstance(run[key], SolvencyFetchError):
                raise run[key]
            values, payload = run[key]
        except SolvencyOutOfTime:
            run.setdefault("skipped", set()).add(partner.id)
            return self.env["credit.solvency.check"]
        except SolvencyFetchError as error:
            return self._solvency_record_failure(partner, trigger, str(error), error.payload)
        try:
            with self.env.cr.savepoint():
                return partner._solvency_record_check(
                    values,
                    source=self.name,
                    trigger=trigger,
                    provider=self,
                    payload=payload,
                    company=self.company_id,
                )
        except (UserError, ValidationError) as error:
            # nothing of the check was written (savepoint): keep the failure on record
            return self._solvency_record_failure(partner, trigger, str(error), payload)

    def _solvency_count_failure(self, run, error):
        """Count a network failure; pause the provider for the rest of the run
        after ``failure_threshold`` of them in a row, and say why."""
        self.ensure_one()
        count = run[("failures", self.code)] = run.get(("failures", self.code), 0) + 1
        if count < self.failure_threshold:
            return
        reason = self.env._(
            "Not called for the rest of the run after %(count)s consecutive network "
            "failures; the last one: %(error)s",
            count=count,
            error=str(error),
        )
        run[("paused", self.code)] = reason
        _logger.warning(
            "Solvency: %s paused for the rest of the run after %s consecutive network "
            "failures (last: %s)",
            self.name,
            count,
            error,
        )
        self.sudo().write({"pause_date": fields.Datetime.now(), "pause_reason": reason})

    def _solvency_record_failure(self, partner, trigger, reason, payload=None):
        self.ensure_one()
        _logger.info(
            "Solvency check of %s by %s failed: %s", partner.display_name, self.name, reason
        )
        return partner._solvency_record_check(
            {"state": "failed", "error": reason},
            source=self.name,
            trigger=trigger,
            provider=self,
            payload=payload,
            company=self.company_id,
        )

    def _solvency_fetch(self, partner):
        """Ask the provider about this customer.

        :return: ``(values, payload)``: the values for
            ``res.partner._solvency_record_check`` and the raw answer (text)
        :raise SolvencyFetchError: with a translated reason, if no usable answer
        """
        self.ensure_one()
        method = getattr(self, f"_solvency_fetch_{self.code}", None)
        if method is None:
            raise SolvencyFetchError(
                self.env._("The provider %(provider)s is not implemented.", provider=self.name)
            )
        return method(partner)

    def _solvency_api_key(self):
        """The API key of a paid agency, for its fetch method only."""
        self.ensure_one()
        return self.sudo().api_key

    # ------------------------------------------------------------------
    # Shared tools: SIREN and HTTP (see tools/company_ids.py, tools/http.py)
    # ------------------------------------------------------------------

    @api.model
    def _solvency_siren(self, partner):
        """SIREN (9 digits) of a French customer (see ``company_ids.find_siren``).

        :raise SolvencyFetchError: when the customer has no valid SIREN
        """
        partner = partner.commercial_partner_id
        siren, invalid = company_ids.find_siren(
            partner.company_registry, partner.vat, partner.country_id.code
        )
        if siren:
            return siren
        if invalid:
            raise SolvencyFetchError(
                self.env._(
                    "Invalid SIREN for %(partner)s: %(numbers)s.",
                    partner=partner.display_name,
                    numbers="; ".join(
                        self._solvency_invalid_number(number, why) for number, why in invalid
                    ),
                )
            )
        raise SolvencyFetchError(
            self.env._(
                "No SIREN for %(partner)s: fill in its company registry (SIREN or SIRET) "
                "or its French VAT number.",
                partner=partner.display_name,
            )
        )

    @api.model
    def _solvency_invalid_number(self, number, why):
        if why == company_ids.NOT_ASCII:
            return self.env._("%(number)s (not written with the digits 0-9)", number=number)
        return self.env._("%(number)s (wrong check digit)", number=number)

    def _solvency_http_get(self, url, params=None, headers=None):
        """GET a JSON answer from the provider, with its timeout and bounded
        retries, within the deadline of the run (see ``http.get_json``).

        :return: ``(data, text)``: the decoded JSON and the raw answer
        :raise SolvencyFetchError: with a translated reason
        """
        self.ensure_one()
        self._solvency_throttle()
        try:
            return http.get_json(
                url,
                params=params,
                headers={"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})},
                timeout=self.timeout,
                retries=self.max_retries,
                time_left=self._solvency_time_left,
                sleep=self._solvency_sleep,
            )
        except http.HttpError as error:
            raise self._solvency_http_failure(error) from error

    def _solvency_http_failure(self, error):
        """The ``SolvencyFetchError`` (or subclass) telling why a call failed."""
        reason = self._solvency_http_reason(error)
        if error.code == http.OUT_OF_TIME:
            return SolvencyOutOfTime(self._solvency_error(reason))
        if error.code == http.RATE_LIMITED:
            return SolvencyRateLimited(self._solvency_error(reason), error.payload)
        if not error.network_failure:
            return SolvencyFetchError(self._solvency_error(reason), error.payload)
        if error.attempts > 1:
            reason = self.env._(
                "%(reason)s, after %(attempts)s attempts", reason=reason, attempts=error.attempts
            )
        return SolvencyNetworkError(self._solvency_error(reason), error.payload)

    def _solvency_http_reason(self, error):
        """Why a call failed, in words (``http.HttpError``'s code and params)."""
        params = error.params
        reasons = {
            http.TIMEOUT: lambda: self.env._(
                "no answer within %(seconds)s seconds", seconds=format(params.get("seconds"), "g")
            ),
            http.CONNECTION: lambda: self.env._(
                "could not connect to %(host)s", host=params.get("host")
            ),
            http.TOO_MANY_REQUESTS: lambda: self.env._("too many requests (HTTP 429)"),
            http.RATE_LIMITED: lambda: self.env._(
                "%(reason)s, asked to wait %(seconds)s seconds",
                reason=self.env._("too many requests (HTTP 429)"),
                seconds=params.get("seconds"),
            ),
            http.SERVER_ERROR: lambda: self.env._(
                "server error (HTTP %(status)s)", status=params.get("status")
            ),
            http.REFUSED: lambda: self.env._(
                "request refused (HTTP %(status)s)", status=params.get("status")
            ),
            http.NOT_JSON: lambda: self.env._("the answer is not valid JSON"),
            http.REQUEST_FAILED: lambda: params.get("error"),
            http.OUT_OF_TIME: lambda: self.env._("no time left"),
        }
        return reasons[error.code]()

    def _solvency_time_left(self):
        """Seconds left before the deadline of the run, or None without one."""
        deadline = self.env.context.get("solvency_deadline")
        return None if deadline is None else deadline - self._solvency_clock()

    def _solvency_error(self, reason):
        return self.env._("%(provider)s: %(reason)s", provider=self.name, reason=reason)

    def _solvency_malformed(self, detail, payload=None):
        """The error to raise when an answer does not have the documented shape."""
        return SolvencyFetchError(
            self._solvency_error(self.env._("unexpected answer (%(detail)s)", detail=detail)),
            payload,
        )

    def _solvency_min_interval(self):
        """Seconds between two calls of this provider (its published rate limit)."""
        return 0.0

    def _solvency_throttle(self):
        interval = self._solvency_min_interval()
        if interval:
            http.throttle(_LAST_CALL, self.code, interval, self._solvency_sleep)

    @api.model
    def _solvency_sleep(self, seconds):
        """Wait between two calls (patched in tests)."""
        time.sleep(seconds)

    @api.model
    def _solvency_clock(self):
        """Seconds on a monotonic clock, for the deadlines of runs (patched in tests)."""
        return time.monotonic()

    @api.model
    def _solvency_interactive_max(self):
        """Most customers a user's click checks at once; more are queued for the
        periodic review."""
        return 5

    @api.model
    def _solvency_interactive_budget(self):
        """Seconds a user's click may spend calling the providers; what does not
        fit is checked in the background."""
        return 15.0
