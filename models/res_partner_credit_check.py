# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models

from .res_partner import CREDIT_READ_GROUPS


class ResPartner(models.Model):
    """The one credit check: why a customer cannot take on more credit now
    (credit hold, over the limit that applies). Order confirmation, invoice
    posting and deliveries call it; each says what amount it adds and how it
    refuses. Non-blocking warnings (rating to watch, exposure above the insured
    amount) are gathered here too, from each concern."""

    _inherit = "res.partner"

    credit_solvency_warning = fields.Text(
        string="Solvency Warning",
        compute="_compute_credit_exposure",
        groups=CREDIT_READ_GROUPS,
    )

    def _credit_compute_from_exposure(self, company, data):
        res = super()._credit_compute_from_exposure(company, data)
        commercial = self.commercial_partner_id.filtered("id")
        exposures = {
            partner_id: self._credit_exposure_total(values) for partner_id, values in data.items()
        }
        warnings = commercial._credit_warnings(company, exposures)
        for partner in self:
            partner.credit_solvency_warning = "\n".join(
                warnings.get(partner.commercial_partner_id.id, [])
            )
        return res

    @api.model
    def _credit_check_fields(self):
        """Fields of a customer that the credit check reads."""
        return [
            "name",
            "credit_limit",
            "credit_limit_expiry",
            "credit_hold",
            "credit_hold_reason",
            "solvency_rating",
            "solvency_date",
            "solvency_recommended_limit",
            "credit_insured_limit",
            "credit_insured_expiry",
        ]

    def _credit_check_prepare(self, company, date=None, lock=False, exclude_orders=None):
        """Read what checking these commercial partners in ``company`` needs, in
        a constant number of queries: the limits that apply and, for the
        customers that have one, the exposure (locked when ``lock``).

        :return: dict with ``company``, ``date``, ``limits``
            ({partner_id: (limit or None, explanation)}) and ``exposure``
            ({partner_id: exposure values})
        """
        date = date or fields.Date.context_today(self)
        partners = self.with_company(company).sudo()
        partners.fetch(self._credit_check_fields())
        limits = (
            partners._credit_effective_limits(company, date)
            if company._credit_limit_enforced()
            else {}
        )
        limited = partners.browse(
            [partner_id for partner_id, (limit, __) in limits.items() if limit is not None]
        )
        exposure = (
            limited._credit_exposure_data(company, date, lock=lock, exclude_orders=exclude_orders)
            if limited
            else {}
        )
        return {"company": company, "date": date, "limits": limits, "exposure": exposure}

    def _credit_is_limited(self, check):
        """Whether a limit applies to this customer in ``check``."""
        self.ensure_one()
        return check["limits"].get(self.id, (None,))[0] is not None

    def _credit_refusal_reasons(self, check, amount=0.0, pending=0.0, document=None):
        """Why this customer cannot be given ``amount`` more credit now (no
        query): on hold, or its exposure plus ``pending`` (other documents of
        the same batch) plus ``amount`` over the limit that applies.

        :param check: what ``_credit_check_prepare`` read
        :param document: what asks for the credit, in words ("this order");
            without it, the exposure alone is checked (``amount`` must be 0)
        :return: list of messages (empty: the credit can be given)
        """
        self.ensure_one()
        partner = self.with_company(check["company"]).sudo()
        reasons = []
        if partner.credit_hold:
            reasons.append(partner._credit_hold_message())
        if partner._credit_is_limited(check):
            message = partner._credit_limit_message(check, amount, pending, document)
            if message:
                reasons.append(message)
        return reasons

    def _credit_limit_message(self, check, amount, pending, document):
        """Message when ``amount`` takes this customer over its limit, else False."""
        self.ensure_one()
        company = check["company"]
        limit, explanation = check["limits"][self.id]
        values = check["exposure"].get(self.id) or self._credit_exposure_empty()
        exposure = self._credit_exposure_total(values) + pending
        total = exposure + amount
        if company.currency_id.compare_amounts(total, limit) <= 0:
            return False
        fmt = self._credit_format_amount
        limit_text = fmt(limit, company)
        if explanation:
            limit_text = self.env._(
                "%(limit)s (%(explanation)s)", limit=limit_text, explanation=explanation
            )
        details = self.env._(
            "unpaid invoices %(receivable)s, of which overdue %(overdue)s; draft invoices "
            "%(draft)s; uninvoiced orders %(orders)s",
            receivable=fmt(values["receivable"], company),
            overdue=fmt(values["overdue"], company),
            draft=fmt(values["draft"], company),
            orders=fmt(values["orders"] + pending, company),
        )
        if document is None:
            return self.env._(
                "%(partner)s exceeds its credit limit of %(limit)s by %(excess)s: exposure "
                "%(exposure)s (%(details)s).",
                partner=self.name,
                limit=limit_text,
                excess=fmt(total - limit, company),
                exposure=fmt(exposure, company),
                details=details,
            )
        return self.env._(
            "%(partner)s would exceed its credit limit of %(limit)s by %(excess)s: exposure "
            "%(exposure)s (%(details)s) + %(document)s %(amount)s = %(total)s.",
            partner=self.name,
            limit=limit_text,
            excess=fmt(total - limit, company),
            exposure=fmt(exposure, company),
            details=details,
            document=document,
            amount=fmt(amount, company),
            total=fmt(total, company),
        )

    def _credit_warnings(self, company, exposures, date=None):
        """Non-blocking warnings of these commercial partners in ``company``
        (extended by each concern: rating to watch, insured amount exceeded).

        :param exposures: {partner_id: exposure (the document at hand included)}
        :return: {partner_id: [message, ...]}
        """
        date = date or fields.Date.context_today(self)
        result = {}
        for partner in self.with_company(company).sudo():
            messages = partner._credit_partner_warnings(
                company, exposures.get(partner.id, 0.0), date
            )
            if messages:
                result[partner.id] = messages
        return result

    def _credit_partner_warnings(self, company, exposure, date):
        """Warnings of this customer (no query once its fields are read)."""
        self.ensure_one()
        return []
