# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    credit_limit_policy = fields.Selection(related="company_id.credit_limit_policy", readonly=False)
    credit_block_invoice_posting = fields.Boolean(
        related="company_id.credit_block_invoice_posting", readonly=False
    )
    credit_manager_user_id = fields.Many2one(
        related="company_id.credit_manager_user_id", readonly=False
    )
    dunning_min_amount = fields.Monetary(related="company_id.dunning_min_amount", readonly=False)
    dunning_lift_mail_template_id = fields.Many2one(
        related="company_id.dunning_lift_mail_template_id", readonly=False
    )
    credit_portal_promise_days = fields.Integer(
        related="company_id.credit_portal_promise_days", readonly=False
    )
    credit_expired_limit_zero = fields.Boolean(
        related="company_id.credit_expired_limit_zero", readonly=False
    )
    solvency_cap_recommended = fields.Boolean(
        related="company_id.solvency_cap_recommended", readonly=False
    )
    solvency_cap_insured = fields.Boolean(related="company_id.solvency_cap_insured", readonly=False)
    solvency_review_days = fields.Integer(related="company_id.solvency_review_days", readonly=False)
    solvency_first_order_amount = fields.Monetary(
        related="company_id.solvency_first_order_amount", readonly=False
    )
    credit_dso_target = fields.Integer(related="company_id.credit_dso_target", readonly=False)
    credit_overdue_share_target = fields.Float(
        related="company_id.credit_overdue_share_target", readonly=False
    )
