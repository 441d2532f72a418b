# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date


class CreditPromiseWizard(models.TransientModel):
    """Record a customer's promise to pay: its invoices are not reminded until then."""

    _name = "credit.promise.wizard"
    _description = "Promise to Pay"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True, readonly=True)
    move_ids = fields.Many2many(
        "account.move",
        string="Invoices",
        domain="[('commercial_partner_id', '=', partner_id), ('move_type', '=', 'out_invoice'),"
        " ('state', '=', 'posted'), ('payment_state', 'in', ('not_paid', 'partial'))]",
    )
    promise_date = fields.Date(string="Promised Payment Date", required=True)
    note = fields.Text(help="e.g. who promised what, on the phone.")

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        partner = self.env["res.partner"].browse(res.get("partner_id")).commercial_partner_id
        if partner and "move_ids" in fields_list:
            res["move_ids"] = [
                (
                    6,
                    0,
                    self.env["account.move"]
                    .search(
                        [
                            ("commercial_partner_id", "=", partner.id),
                            ("company_id", "=", self.env.company.id),
                            ("move_type", "=", "out_invoice"),
                            ("state", "=", "posted"),
                            ("payment_state", "in", ("not_paid", "partial")),
                            ("invoice_date_due", "<=", fields.Date.context_today(self)),
                        ]
                    )
                    .ids,
                )
            ]
        return res

    def action_apply(self):
        self.ensure_one()
        self._credit_record_promise()
        return {"type": "ir.actions.act_window_close"}

    def _credit_record_promise(self, author=None, notify=None):
        """Pause the reminders of the invoices until the promised date and post
        the promise in the customer's chatter.

        :param author: partner shown as the author (the current user's by default)
        :param notify: users notified of the promise
        :return: the message posted
        """
        self.ensure_one()
        if self.promise_date < fields.Date.context_today(self):
            raise UserError(self.env._("A promise to pay cannot be in the past."))
        if not self.move_ids:
            raise UserError(self.env._("Select the invoices the customer promised to pay."))
        self.move_ids.write({"dunning_promise_date": self.promise_date})
        body = self.env._(
            "Promise to pay by %(date)s for %(invoices)s.",
            date=format_date(self.env, self.promise_date),
            invoices=", ".join(self.move_ids.mapped("name")),
        )
        if self.note:
            body += " " + self.note
        # a collector records the promise even without the right to edit contacts
        return self.partner_id.commercial_partner_id.sudo().message_post(
            body=body,
            subtype_xmlid="mail.mt_note",
            author_id=(author or self.env.user.partner_id).id,
            partner_ids=notify.partner_id.ids if notify else [],
        )
