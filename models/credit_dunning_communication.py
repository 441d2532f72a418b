# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .credit_dunning_level import MAX_CHARGE


class CreditDunningCommunication(models.Model):
    """One reminder to one customer: all its overdue invoices, at one level.

    A sent reminder is the record of what the customer received: users cannot
    change or delete it, create one already sent, or touch its charges invoice;
    only the dunning run and *Invoice Charges* write them (as the system, once
    the user's rights are checked). Its totals are in the company's currency;
    its lines list each invoice in the invoice's currency.
    """

    _name = "credit.dunning.communication"
    _description = "Dunning Communication"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    run_id = fields.Many2one("credit.dunning.run", index=True, ondelete="set null")
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, check_company=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    level_id = fields.Many2one(
        "credit.dunning.level",
        required=True,
        check_company=True,
        domain="[('company_id', '=', company_id)]",
    )
    date = fields.Date(required=True, default=fields.Date.context_today)
    channel = fields.Selection(
        [("email", "Email"), ("letter", "Letter"), ("none", "No Message")],
        required=True,
        default="email",
    )
    state = fields.Selection(
        [("draft", "Draft"), ("sent", "Sent"), ("skipped", "Skipped")],
        default="draft",
        required=True,
        index=True,
    )
    recipient_id = fields.Many2one("res.partner", help="Invoice address of the customer.")
    user_id = fields.Many2one("res.users", string="Collector")
    line_ids = fields.One2many("credit.dunning.communication.line", "communication_id")
    amount_due = fields.Monetary(compute="_compute_amounts", store=True)
    interest_amount = fields.Monetary(compute="_compute_amounts", store=True)
    indemnity_amount = fields.Monetary(compute="_compute_amounts", store=True)
    fee_amount = fields.Monetary()
    charges_amount = fields.Monetary(compute="_compute_amounts", store=True)
    charges_move_id = fields.Many2one(
        "account.move", string="Charges Invoice", copy=False, readonly=True
    )

    @api.constrains("fee_amount")
    def _check_fee_amount(self):
        for communication in self:
            if not 0.0 <= communication.fee_amount <= MAX_CHARGE:
                raise ValidationError(
                    self.env._(
                        "The fee of reminder %(reminder)s must be between 0 and %(max)s.",
                        reminder=communication.name,
                        max=communication.currency_id.format(MAX_CHARGE),
                    )
                )

    @api.constrains("channel", "level_id")
    def _check_channel(self):
        for communication in self:
            if communication.channel == "email" and not communication.level_id.mail_template_id:
                raise ValidationError(
                    self.env._(
                        "Reminder %(reminder)s cannot be emailed: its level %(level)s has no "
                        "email template. Choose Letter or No Message.",
                        reminder=communication.name,
                        level=communication.level_id.name,
                    )
                )

    @api.depends("partner_id", "level_id")
    def _compute_name(self):
        for record in self:
            record.name = self._dunning_name(record.level_id, record.partner_id)

    @api.depends(
        "line_ids.residual_company",
        "line_ids.interest_company",
        "line_ids.indemnity",
        "fee_amount",
    )
    def _compute_amounts(self):
        for communication in self:
            lines = [
                {
                    "residual_company": line.residual_company,
                    "interest_company": line.interest_company,
                    "indemnity": line.indemnity,
                }
                for line in communication.line_ids
            ]
            communication.update(self._dunning_amounts(lines, communication.fee_amount))

    @api.onchange("level_id")
    def _onchange_level_id(self):
        """A level chosen in the preview brings its channel and its fee."""
        if self.level_id:
            self.channel = self.env["credit.dunning.run"]._dunning_channel(self.level_id)
            self.fee_amount = self.level_id.fee_amount

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(
            vals.get("state", "draft") != "draft" or vals.get("charges_move_id")
            for vals in vals_list
        ):
            raise UserError(
                self.env._(
                    "Reminders are created as drafts: a dunning run sends them, and Invoice "
                    "Charges invoices their charges."
                )
            )
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            self._dunning_check_user_write(vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sent(self):
        if not self.env.su and any(c.state == "sent" for c in self):
            raise UserError(
                self.env._(
                    "Sent reminders cannot be deleted: they are the record of what the "
                    "customers received."
                )
            )

    def action_skip(self):
        self._check_draft()
        self.check_access("write")
        self.sudo().state = "skipped"

    def action_reset_draft(self):
        if any(c.run_id.state == "done" for c in self):
            raise UserError(self.env._("The dunning run is done: its reminders cannot change."))
        self.check_access("write")
        self.filtered(lambda c: c.state == "skipped").sudo().state = "draft"

    def _dunning_check_user_write(self, vals):
        """What a user may change on a reminder: a draft's level, channel,
        recipient, collector and fee; the chatter of any reminder."""
        changed = set(vals) - set(self.env["mail.thread"]._fields)
        if not changed:
            return
        if changed & {"state", "charges_move_id"}:
            raise UserError(
                self.env._(
                    "The state of a reminder and its charges invoice are set by the dunning "
                    "run and by Invoice Charges, not by hand."
                )
            )
        sent = self.filtered(lambda c: c.state == "sent")
        if sent:
            raise UserError(
                self.env._(
                    "Reminder %(reminder)s was sent: it stays as the customer received it.",
                    reminder=sent[0].name,
                )
            )
        self._check_draft()

    def _check_draft(self):
        if any(c.state != "draft" for c in self):
            raise UserError(self.env._("Only draft reminders can be changed."))

    @api.model
    def _dunning_name(self, level, partner):
        return f"{level.name or ''} - {partner.name or ''}"

    @api.model
    def _dunning_amounts(self, lines, fee_amount):
        """The reminder's totals, in company currency, from its lines' values
        (dicts with residual_company, interest_company and indemnity)."""
        interest = sum(line.get("interest_company") or 0.0 for line in lines)
        indemnity = sum(line.get("indemnity") or 0.0 for line in lines)
        return {
            "amount_due": sum(line.get("residual_company") or 0.0 for line in lines),
            "interest_amount": interest,
            "indemnity_amount": indemnity,
            "charges_amount": interest + indemnity + fee_amount,
        }

    def _dunning_totals_by_currency(self):
        """What the customer owes, currency by currency, for the reminder's
        email and letter: the company's currency first (it carries the fee and
        the indemnities), then the invoices' other currencies.

        :return: list of dicts with currency, amount_due, interest, charges
                 (interest, plus fee and indemnities in company currency) and
                 total (amount due plus charges)
        """
        self.ensure_one()
        company_currency = self.currency_id
        totals = {
            company_currency: {
                "currency": company_currency,
                "amount_due": 0.0,
                "interest": 0.0,
                "charges": self.fee_amount + self.indemnity_amount,
            }
        }
        for line in self.line_ids:
            total = totals.setdefault(
                line.currency_id,
                {"currency": line.currency_id, "amount_due": 0.0, "interest": 0.0, "charges": 0.0},
            )
            total["amount_due"] += line.residual
            total["interest"] += line.interest
            total["charges"] += line.interest
        result = [totals.pop(company_currency)]
        result += sorted(totals.values(), key=lambda total: total["currency"].name)
        for total in result:
            total["total"] = total["amount_due"] + total["charges"]
        return [
            total
            for total in result
            if total["currency"] != company_currency or len(result) == 1 or total["total"]
        ]
