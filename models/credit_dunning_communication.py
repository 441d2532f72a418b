# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import Command, api, fields, models
from odoo.exceptions import UserError


class CreditDunningCommunication(models.Model):
    """One reminder to one customer: all its overdue invoices, at one level."""

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

    @api.depends("partner_id", "level_id")
    def _compute_name(self):
        for communication in self:
            communication.name = (
                f"{communication.level_id.name or ''} - {communication.partner_id.name or ''}"
            )

    @api.depends("line_ids.residual", "line_ids.interest", "line_ids.indemnity", "fee_amount")
    def _compute_amounts(self):
        for communication in self:
            lines = communication.line_ids
            communication.amount_due = sum(lines.mapped("residual"))
            communication.interest_amount = sum(lines.mapped("interest"))
            communication.indemnity_amount = sum(lines.mapped("indemnity"))
            communication.charges_amount = (
                communication.interest_amount
                + communication.indemnity_amount
                + communication.fee_amount
            )

    def action_skip(self):
        self._check_draft()
        self.state = "skipped"

    def action_reset_draft(self):
        if any(c.run_id.state == "done" for c in self):
            raise UserError(self.env._("The dunning run is done: its reminders cannot change."))
        self.filtered(lambda c: c.state == "skipped").state = "draft"

    def action_invoice_charges(self):
        """Invoice the fees, indemnities and interest of sent reminders, once."""
        invoiced = self.filtered(
            lambda c: c.charges_move_id and c.charges_move_id.state != "cancel"
        )
        if invoiced:
            raise UserError(
                self.env._(
                    "The charges of %(reminder)s are already invoiced (%(invoice)s).",
                    reminder=invoiced[0].name,
                    invoice=invoiced[0].charges_move_id.display_name,
                )
            )
        if any(c.state != "sent" for c in self):
            raise UserError(self.env._("Only the charges of sent reminders can be invoiced."))
        to_invoice = self.filtered(lambda c: not c.currency_id.is_zero(c.charges_amount))
        if not to_invoice:
            raise UserError(self.env._("There is no charge to invoice."))
        moves = self.env["account.move"].create(
            [communication._charges_invoice_vals() for communication in to_invoice]
        )
        for communication, move in zip(to_invoice, moves, strict=True):
            communication.charges_move_id = move
            communication.message_post(
                body=self.env._("Charges invoiced: %(invoice)s", invoice=move.display_name)
            )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("id", "in", moves.ids)]
        if len(moves) == 1:
            action.update({"views": [(False, "form")], "res_id": moves.id})
        return action

    def _charges_invoice_vals(self):
        self.ensure_one()
        lines = []
        if self.fee_amount:
            lines.append(
                self._charges_line(
                    "credit_management.product_dunning_fee",
                    self.env._("Dunning fee (%(level)s)", level=self.level_id.name),
                    self.fee_amount,
                )
            )
        for line in self.line_ids:
            if line.indemnity:
                lines.append(
                    self._charges_line(
                        "credit_management.product_dunning_indemnity",
                        self.env._(
                            "Recovery indemnity, invoice %(invoice)s", invoice=line.move_id.name
                        ),
                        line.indemnity,
                    )
                )
            if line.interest:
                lines.append(
                    self._charges_line(
                        "credit_management.product_dunning_interest",
                        self.env._(
                            "Late-payment interest, invoice %(invoice)s, %(days)s days",
                            invoice=line.move_id.name,
                            days=line.days_overdue,
                        ),
                        line.interest,
                    )
                )
        return {
            "move_type": "out_invoice",
            "partner_id": self.partner_id.id,
            "company_id": self.company_id.id,
            "currency_id": self.currency_id.id,
            "invoice_origin": self.name,
            "invoice_line_ids": lines,
        }

    def _charges_line(self, product_xmlid, label, amount):
        product = self.env.ref(product_xmlid)
        return Command.create(
            {
                "product_id": product.id,
                "name": label,
                "quantity": 1.0,
                "price_unit": amount,
                "tax_ids": [
                    Command.set(
                        product.taxes_id.filtered(lambda t: t.company_id == self.company_id).ids
                    )
                ],
            }
        )

    def _check_draft(self):
        if any(c.state != "draft" for c in self):
            raise UserError(self.env._("Only draft reminders can be changed."))

    def _dunning_send(self):
        """Send these draft reminders and apply their levels' actions.

        Set-based: the number of queries grows with the number of customers and
        levels, not with the number of invoices.
        """
        communications = self.filtered(lambda c: c.state == "draft")
        if not communications:
            return self
        communications._dunning_cap_levels()
        communications._dunning_update_invoice_levels()
        communications.write({"state": "sent"})
        communications._dunning_update_partner_levels()
        communications._dunning_suspend_and_hand_over()
        for communication in communications:
            communication._dunning_notify()
        communications._dunning_schedule_calls()
        return communications

    def _dunning_cap_levels(self):
        """A controller may lower a reminder's level in the preview."""
        for communication in self:
            ceiling = communication.level_id.days_overdue
            for line in communication.line_ids.filtered("escalated"):
                if line.level_id.days_overdue <= ceiling:
                    continue
                previous = line.previous_level_id.days_overdue if line.previous_level_id else None
                if previous is not None and previous >= ceiling:
                    line.write({"escalated": False, "level_id": line.previous_level_id.id})
                else:
                    line.level_id = communication.level_id

    def _dunning_update_invoice_levels(self):
        lines = self.line_ids.filtered("escalated")
        for level, level_lines in lines.grouped("level_id").items():
            level_lines.move_id.sudo().write({"dunning_reached_level_id": level.id})
        lines.move_id._dunning_sync_level()

    def _dunning_update_partner_levels(self):
        for company, communications in self.grouped("company_id").items():
            communications.partner_id.with_company(company).sudo()._dunning_recompute_level()

    def _dunning_suspend_and_hand_over(self):
        for communication in self.filtered(lambda c: c.level_id.suspend_sales):
            partner = communication.partner_id.with_company(communication.company_id).sudo()
            if not partner.credit_hold:
                partner._credit_set_hold(
                    self.env._(
                        "Suspended by dunning (%(level)s) on %(date)s",
                        level=communication.level_id.name,
                        date=fields.Date.to_string(communication.date),
                    ),
                    origin="dunning",
                )
        handed_over = self.filtered(lambda c: c.level_id.handover)
        for company, communications in handed_over.grouped("company_id").items():
            communications.partner_id.with_company(company).sudo().write({"dunning_handover": True})

    def _dunning_notify(self):
        """Send the email (or log the letter) and trace it on customer and invoices."""
        self.ensure_one()
        level = self.level_id
        if self.channel == "email" and level.mail_template_id:
            self.with_context(lang=self.partner_id.lang).message_post_with_source(
                level.mail_template_id,
                subtype_xmlid="mail.mt_comment",
                partner_ids=(self.recipient_id or self.partner_id).ids,
            )
        summary = self.env._(
            "Reminder %(level)s (%(channel)s): %(count)s invoice(s), %(amount)s due.",
            level=level.name,
            channel=dict(self._fields["channel"]._description_selection(self.env))[self.channel],
            count=len(self.line_ids),
            amount=self.partner_id._credit_format_amount(self.amount_due, self.company_id),
        )
        self.partner_id.sudo().message_post(body=summary, subtype_xmlid="mail.mt_note")
        self.line_ids.move_id.sudo()._message_log_batch(
            bodies=dict.fromkeys(self.line_ids.move_id.ids, summary)
        )

    def _dunning_schedule_calls(self):
        calls = self.filtered(lambda c: c.level_id.phone_call)
        if not calls:
            return
        activity_type = self.env.ref("mail.mail_activity_data_call")
        model_id = self.env["ir.model"]._get_id("res.partner")
        self.env["mail.activity"].sudo().create(
            [
                {
                    "res_model_id": model_id,
                    "res_id": communication.partner_id.id,
                    "activity_type_id": activity_type.id,
                    "user_id": communication.user_id.id,
                    "summary": self.env._(
                        "Dunning call: %(level)s", level=communication.level_id.name
                    ),
                    "note": self.env._(
                        "%(amount)s overdue. Record the outcome (promise, dispute) in the chatter.",
                        amount=communication.partner_id._credit_format_amount(
                            communication.amount_due, communication.company_id
                        ),
                    ),
                }
                for communication in calls
            ]
        )
