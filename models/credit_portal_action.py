# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError


class CreditRateLimitError(UserError):
    """Too many actions from one statement page (HTTP 429 for the page)."""


class CreditPortalAction(models.Model):
    """What customers did from their statement page, with their IP address.

    Each promise, dispute or online payment is counted here first: beyond a
    number per hour for one customer or one IP address, the page refuses more.
    """

    _name = "credit.portal.action"
    _description = "Customer Statement Page Action"
    _order = "id desc"

    # actions allowed in an hour
    MAX_PER_CUSTOMER = 10
    MAX_PER_ADDRESS = 20
    # rows kept for the counts and for audit
    KEEP_DAYS = 90

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, index=True, ondelete="cascade")
    action = fields.Selection(
        [("promise", "Promise to Pay"), ("dispute", "Dispute"), ("payment", "Online Payment")],
        required=True,
    )
    ip_address = fields.Char(string="IP Address", index=True)

    @api.model
    def _credit_register(self, partner, action, ip_address):
        """Count an action of ``partner`` (commercial entity) in the current
        company, or refuse it when the customer or the address did too many."""
        since = fields.Datetime.now() - timedelta(hours=1)
        Action = self.sudo()
        too_many = Action.search_count(
            [("partner_id", "=", partner.id), ("create_date", ">=", since)],
            limit=self.MAX_PER_CUSTOMER,
        ) >= self.MAX_PER_CUSTOMER or (
            ip_address
            and Action.search_count(
                [("ip_address", "=", ip_address), ("create_date", ">=", since)],
                limit=self.MAX_PER_ADDRESS,
            )
            >= self.MAX_PER_ADDRESS
        )
        if too_many:
            raise CreditRateLimitError(
                self.env._(
                    "Too many requests were made from this page in the last hour. Please try "
                    "again later, or contact us directly."
                )
            )
        return Action.create(
            {
                "partner_id": partner.id,
                "company_id": self.env.company.id,
                "action": action,
                "ip_address": ip_address,
            }
        )

    @api.autovacuum
    def _gc_credit_portal_actions(self):
        limit = fields.Datetime.now() - timedelta(days=self.KEEP_DAYS)
        self.sudo().search([("create_date", "<", limit)]).unlink()
