# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    credit_limit_policy = fields.Selection(
        [("block", "Block"), ("warn", "Warn only")],
        default="block",
        help="Block: a sales order that would take the customer over its credit "
        "limit cannot be confirmed without a credit manager's approval.\n"
        "Warn only: Odoo's standard warning is shown and the order confirms.",
    )
    credit_block_invoice_posting = fields.Boolean(
        string="Block Invoice Posting Over Limit",
        help="Also refuse to post a customer invoice for a customer on hold or over "
        "its credit limit, unless the invoice comes from confirmed sales orders.",
    )
    credit_manager_user_id = fields.Many2one(
        "res.users",
        string="Credit Approver",
        domain=lambda self: [
            ("groups_id", "in", self.env.ref("credit_management.group_credit_manager").id)
        ],
        help="Credit manager who receives approval requests. When empty, every "
        "credit manager of the company receives them.",
    )

    dunning_min_amount = fields.Monetary(
        string="Minimum Overdue to Remind",
        currency_field="currency_id",
        help="Customers whose overdue amount is below this are not reminded.",
    )

    def _credit_limit_enforced(self):
        """Whether orders over the credit limit are blocked in this company."""
        self.ensure_one()
        return self.account_use_credit_limit and self.credit_limit_policy != "warn"
