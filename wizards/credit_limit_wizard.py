# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models
from odoo.exceptions import UserError


class CreditLimitWizard(models.TransientModel):
    """Change a customer's credit limit with a reason kept in its history."""

    _name = "credit.limit.wizard"
    _description = "Change Credit Limit"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True, readonly=True)
    currency_id = fields.Many2one(
        "res.currency", default=lambda self: self.env.company.currency_id, readonly=True
    )
    current_limit = fields.Monetary(compute="_compute_current")
    new_limit = fields.Monetary(required=True)
    review_date = fields.Date(string="Next Review")
    expiry_date = fields.Date(string="Limit Expiry")
    reason = fields.Text(required=True)

    @api.depends("partner_id")
    def _compute_current(self):
        for wizard in self:
            wizard.current_limit = wizard.partner_id.commercial_partner_id.credit_limit

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        partner = self.env["res.partner"].browse(res.get("partner_id")).commercial_partner_id
        if partner:
            res.setdefault("new_limit", partner.credit_limit)
            res.setdefault("review_date", partner.credit_review_date)
            res.setdefault("expiry_date", partner.credit_limit_expiry)
        return res

    def action_apply(self):
        self.ensure_one()
        if self.new_limit < 0:
            raise UserError(self.env._("A credit limit cannot be negative."))
        if not (self.reason or "").strip():
            raise UserError(self.env._("Give the reason of the change."))
        # Credit managers may lack the general right to edit contacts: the
        # wizard is theirs only (access rights), and the trace names them.
        partner = self.partner_id.commercial_partner_id.sudo()
        partner.with_context(credit_change_reason=self.reason.strip()).write(
            {
                "use_partner_credit_limit": True,
                "credit_limit": self.new_limit,
                "credit_review_date": self.review_date,
                "credit_limit_expiry": self.expiry_date,
            }
        )
        return {"type": "ir.actions.act_window_close"}
