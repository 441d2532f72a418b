# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class CreditPaymentPlan(models.Model):
    """Instalments agreed with a customer in difficulty ("échéancier").

    While the plan is kept, its invoices are not reminded; when an instalment
    is missed, the plan is broken and escalation resumes.
    """

    _name = "credit.payment.plan"
    _description = "Payment Plan"
    _inherit = ["mail.thread"]
    _order = "create_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        domain="[('parent_id', '=', False)]",
        tracking=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("active", "Running"),
            ("done", "Paid"),
            ("broken", "Broken"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        tracking=True,
        index=True,
    )
    move_ids = fields.Many2many(
        "account.move",
        "credit_payment_plan_account_move_rel",
        "plan_id",
        "move_id",
        string="Invoices",
        check_company=True,
        domain="[('commercial_partner_id', '=', partner_id), ('move_type', '=', 'out_invoice'),"
        " ('state', '=', 'posted'), ('payment_state', 'in', ('not_paid', 'partial'))]",
    )
    line_ids = fields.One2many("credit.payment.plan.line", "plan_id", string="Instalments")
    amount_planned = fields.Monetary(compute="_compute_amounts", store=True)
    initial_residual = fields.Monetary(
        readonly=True, help="Amount due on the invoices when the plan started."
    )
    amount_paid = fields.Monetary(compute="_compute_paid")
    note = fields.Text()

    @api.constrains("line_ids")
    def _check_lines(self):
        for plan in self:
            if any(line.amount <= 0 for line in plan.line_ids):
                raise ValidationError(self.env._("Instalments must be positive amounts."))

    @api.depends("partner_id", "create_date")
    def _compute_name(self):
        for plan in self:
            plan.name = self.env._("Payment plan - %(partner)s", partner=plan.partner_id.name or "")

    @api.depends("line_ids.amount")
    def _compute_amounts(self):
        for plan in self:
            plan.amount_planned = sum(plan.line_ids.mapped("amount"))

    @api.depends("move_ids.amount_residual", "initial_residual")
    def _compute_paid(self):
        for plan in self:
            residual = sum(plan.move_ids.mapped("amount_residual_signed"))
            plan.amount_paid = max(plan.initial_residual - residual, 0.0)

    def action_activate(self):
        for plan in self:
            if plan.state != "draft":
                raise UserError(self.env._("Only draft payment plans can be started."))
            if not plan.move_ids or not plan.line_ids:
                raise UserError(self.env._("A payment plan needs invoices and instalments."))
            residual = sum(plan.move_ids.mapped("amount_residual_signed"))
            if plan.currency_id.compare_amounts(plan.amount_planned, residual) < 0:
                raise UserError(
                    self.env._(
                        "The instalments (%(planned)s) do not cover the amount due (%(due)s).",
                        planned=plan.amount_planned,
                        due=residual,
                    )
                )
            plan.write({"state": "active", "initial_residual": residual})
        return True

    def action_cancel(self):
        self.filtered(lambda p: p.state in ("draft", "active")).state = "cancelled"
        return True

    @api.model
    def _dunning_plans_to_close(self, date=None):
        """The running plans that ``date`` closes, without changing them: paid
        ones ("done") and ones with a missed instalment ("broken").

        :return: {"done": plans, "broken": plans}
        """
        date = date or fields.Date.context_today(self)
        result = {"done": self.browse(), "broken": self.browse()}
        for plan in self.search([("state", "=", "active")]):
            residual = sum(plan.move_ids.mapped("amount_residual_signed"))
            if plan.currency_id.is_zero(residual):
                result["done"] |= plan
                continue
            due = sum(plan.line_ids.filtered(lambda line: line.date < date).mapped("amount"))
            if plan.currency_id.compare_amounts(plan.amount_paid, due) < 0:
                result["broken"] |= plan
        return result

    @api.model
    def _check_running_plans(self, date=None):
        """Close paid plans and break the ones with a missed instalment."""
        date = date or fields.Date.context_today(self)
        to_close = self._dunning_plans_to_close(date)
        to_close["done"].state = "done"
        for plan in to_close["broken"]:
            due = sum(plan.line_ids.filtered(lambda line: line.date < date).mapped("amount"))
            plan.state = "broken"
            plan.message_post(
                body=self.env._(
                    "Instalment missed: %(paid)s paid, %(due)s due. Reminders resume.",
                    paid=plan.partner_id._credit_format_amount(plan.amount_paid),
                    due=plan.partner_id._credit_format_amount(due),
                ),
                partner_ids=plan.partner_id.user_id.partner_id.ids,
            )
        return to_close["done"] | to_close["broken"]
