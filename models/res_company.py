# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models

# the default dunning schedule shipped for the main company
DEFAULT_DUNNING_LEVELS = (
    "credit_management.dunning_level_courtesy",
    "credit_management.dunning_level_friendly",
    "credit_management.dunning_level_second",
    "credit_management.dunning_level_formal_notice",
    "credit_management.dunning_level_handover",
)


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
    dunning_lift_mail_template_id = fields.Many2one(
        "mail.template",
        string="Suspension Lifted Email",
        domain=[("model", "=", "res.partner")],
        default=lambda self: self.env.ref(
            "credit_management.mail_template_dunning_suspension_lifted", raise_if_not_found=False
        ),
        help="Sent to a customer when its dunning suspension is lifted because its overdue "
        "invoices are paid. Empty: the customer is not emailed (its salesperson is still "
        "notified).",
    )

    credit_expired_limit_zero = fields.Boolean(
        string="Expired Limits Count as Zero",
        help="Once a customer's limit expiry date has passed, its credit limit counts "
        "as zero: every order needs an approval until the limit is renewed.",
    )
    solvency_cap_recommended = fields.Boolean(
        string="Cap Limits at the Recommended Limit",
        help="The credit limit used at order confirmation is at most the limit "
        "recommended by the customer's latest rating.",
    )
    solvency_cap_insured = fields.Boolean(
        string="Cap Limits at the Insured Amount",
        help="The credit limit used at order confirmation is at most the amount "
        "covered by the credit insurer.",
    )
    solvency_review_days = fields.Integer(
        string="Re-check Solvency After (days)",
        default=365,
        help="The periodic review re-checks customers whose solvency is older than this.",
    )
    solvency_first_order_amount = fields.Monetary(
        string="Solvency Check Above",
        currency_field="currency_id",
        help="A new customer's first order above this amount needs a solvency check "
        "before it can be confirmed. Zero: never asked.",
    )
    solvency_provider_ids = fields.One2many(
        "credit.solvency.provider", "company_id", string="Solvency Providers"
    )
    solvency_rule_ids = fields.One2many(
        "credit.solvency.rule", "company_id", string="Solvency Rules"
    )

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies._dunning_create_default_levels()
        return companies

    def _credit_limit_enforced(self):
        """Whether orders over the credit limit are blocked in this company."""
        self.ensure_one()
        return self.account_use_credit_limit and self.credit_limit_policy != "warn"

    def _credit_manager_users(self):
        """Who decides on credit in this company: its approver, else its credit managers."""
        self.ensure_one()
        if self.credit_manager_user_id:
            return self.credit_manager_user_id
        group = self.env.ref("credit_management.group_credit_manager")
        return group.sudo().users.filtered(
            lambda u: self in u.company_ids and u.active and not u.share
        )

    def _dunning_create_default_levels(self):
        """Give these companies the default dunning schedule, as the main company
        gets it at installation: a copy of the shipped levels (as the main
        company has them now). Admins adapt or archive them per company."""
        Level = self.env["credit.dunning.level"].sudo().with_context(active_test=False)
        defaults = Level.browse(
            level.id
            for xmlid in DEFAULT_DUNNING_LEVELS
            if (level := self.env.ref(xmlid, raise_if_not_found=False))
        )
        for company in self:
            defaults.filtered_domain([("company_id", "!=", company.id)]).copy(
                {"company_id": company.id}
            )
