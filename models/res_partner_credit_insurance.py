# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models
from odoo.tools import format_date

from .res_partner import CREDIT_READ_GROUPS


class ResPartner(models.Model):
    """Credit insurance: the amount an insurer covers, until when; exposure
    beyond it is warned about, and limits may be capped at it."""

    _inherit = "res.partner"

    credit_insured_limit = fields.Float(
        string="Insured Amount",
        company_dependent=True,
        copy=False,
        groups=CREDIT_READ_GROUPS,
        help="Amount covered by the credit insurer, in company currency.",
    )
    credit_insurer = fields.Char(company_dependent=True, copy=False, groups=CREDIT_READ_GROUPS)
    credit_insurance_policy = fields.Char(
        string="Insurance Policy",
        company_dependent=True,
        copy=False,
        groups=CREDIT_READ_GROUPS,
    )
    credit_insured_expiry = fields.Date(
        string="Insurance Expiry",
        company_dependent=True,
        copy=False,
        groups=CREDIT_READ_GROUPS,
    )
    credit_insurance_exceeded = fields.Boolean(
        string="Insured Amount Exceeded",
        compute="_compute_credit_exposure",
        groups=CREDIT_READ_GROUPS,
        help="The exposure is above the amount covered by the credit insurer.",
    )

    @api.model
    def _credit_commercial_fields(self):
        return super()._credit_commercial_fields() + [
            "credit_insured_limit",
            "credit_insurer",
            "credit_insurance_policy",
            "credit_insured_expiry",
        ]

    def _credit_compute_from_exposure(self, company, data):
        res = super()._credit_compute_from_exposure(company, data)
        empty = self._credit_exposure_empty()
        for partner in self:
            entity = partner.commercial_partner_id
            exposure = self._credit_exposure_total(data.get(entity.id, empty))
            partner.credit_insurance_exceeded = bool(
                entity._credit_insurance_excess(company, exposure)
            )
        return res

    def _credit_insurance_expired(self, date):
        """Whether this customer's credit insurance has expired on ``date``."""
        self.ensure_one()
        return bool(self.credit_insured_expiry and self.credit_insured_expiry < date)

    def _credit_limit_constraints(self, company, date, rules):
        """The insured amount (zero once expired) when the company caps limits at it."""
        constraints = super()._credit_limit_constraints(company, date, rules)
        insured = self.credit_insured_limit
        if not (company.solvency_cap_insured and insured > 0):
            return constraints
        if self._credit_insurance_expired(date):
            constraints.append(
                (
                    0.0,
                    self.env._(
                        "credit insurance expired on %(date)s",
                        date=format_date(self.env, self.credit_insured_expiry),
                    ),
                )
            )
        else:
            constraints.append(
                (
                    insured,
                    self.env._(
                        "limit capped at the insured amount of %(amount)s",
                        amount=self._credit_format_amount(insured, company),
                    ),
                )
            )
        return constraints

    def _credit_insurance_excess(self, company, exposure, date=None):
        """Part of ``exposure`` not covered by the credit insurer (0.0 when the
        customer is not insured)."""
        self.ensure_one()
        partner = self.with_company(company)
        insured = partner.credit_insured_limit
        if not partner.id or insured <= 0:
            return 0.0
        date = date or fields.Date.context_today(self)
        if partner._credit_insurance_expired(date):
            insured = 0.0
        excess = company.currency_id.round(exposure - insured)
        return excess if excess > 0 else 0.0

    def _credit_partner_warnings(self, company, exposure, date):
        """An exposure above the insured amount (all of it once expired)."""
        messages = super()._credit_partner_warnings(company, exposure, date)
        excess = self._credit_insurance_excess(company, exposure, date)
        if not excess:
            return messages
        fmt = self._credit_format_amount
        if self._credit_insurance_expired(date):
            messages.append(
                self.env._(
                    "The credit insurance of %(partner)s expired on %(date)s: "
                    "its exposure of %(exposure)s is not covered.",
                    partner=self.name,
                    date=format_date(self.env, self.credit_insured_expiry),
                    exposure=fmt(exposure, company),
                )
            )
        else:
            messages.append(
                self.env._(
                    "The exposure of %(partner)s (%(exposure)s) exceeds its insured "
                    "amount of %(insured)s by %(excess)s.",
                    partner=self.name,
                    exposure=fmt(exposure, company),
                    insured=fmt(self.credit_insured_limit, company),
                    excess=fmt(excess, company),
                )
            )
        return messages
