# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models
from odoo.exceptions import UserError


class CreditDispute(models.Model):
    """A customer's dispute of an invoice.

    While it is open the invoice is marked disputed: out of dunning, still in
    the receivables and their analytics. Resolving it (a collector says how,
    the customer sees it on its statement page) puts the invoice back into
    dunning.
    """

    _name = "credit.dispute"
    _description = "Invoice Dispute"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(string="Reference", required=True, readonly=True, copy=False, default="/")
    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted')]",
    )
    partner_id = fields.Many2one(
        related="move_id.commercial_partner_id", string="Customer", store=True, index=True
    )
    company_id = fields.Many2one(related="move_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="move_id.currency_id")
    amount_residual = fields.Monetary(related="move_id.amount_residual", string="Amount Due")
    reason_id = fields.Many2one(
        "credit.dispute.reason",
        required=True,
        check_company=True,
        domain="['|', ('company_id', '=', False), ('company_id', '=', company_id)]",
    )
    message = fields.Text(required=True, help="What the customer says is wrong.")
    attachment_ids = fields.Many2many("ir.attachment", string="Attachments")
    date = fields.Datetime(default=fields.Datetime.now, required=True, readonly=True)
    origin = fields.Selection(
        [("portal", "Customer's Statement Page"), ("internal", "Collector")],
        default="internal",
        required=True,
        readonly=True,
    )
    ip_address = fields.Char(string="IP Address", readonly=True)
    state = fields.Selection(
        [("open", "Open"), ("resolved", "Resolved")],
        default="open",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
    )
    resolution = fields.Text(help="How the dispute was settled; the customer reads it on its page.")
    resolved_by_id = fields.Many2one("res.users", readonly=True)
    resolved_date = fields.Datetime(readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("credit.dispute") or "/"
        disputes = super().create(vals_list)
        disputes._credit_mark_invoices()
        return disputes

    def action_resolve(self):
        """Close these disputes: their invoices are reminded again."""
        self.check_access("write")
        disputes = self.filtered(lambda d: d.state == "open")
        unexplained = disputes.filtered(lambda d: not (d.resolution or "").strip())
        if unexplained:
            raise UserError(
                self.env._(
                    "Say how dispute %(dispute)s was resolved: the customer reads it on its "
                    "statement page.",
                    dispute=unexplained[0].name,
                )
            )
        disputes._credit_close()
        return True

    def _credit_mark_invoices(self):
        """Take the invoices of these open disputes out of dunning."""
        for reason, disputes in (
            self.filtered(lambda d: d.state == "open").grouped("reason_id").items()
        ):
            name = reason.with_context(lang=disputes.company_id[:1].partner_id.lang).name
            disputes.move_id.sudo().write(
                {"dunning_disputed": True, "dunning_dispute_reason": name}
            )

    def _credit_close(self):
        """Mark these open disputes resolved, put their invoices back into dunning
        (unless another dispute of the invoice is still open), close their
        activities and tell the customer's chatter."""
        self.sudo().write(
            {
                "state": "resolved",
                "resolved_by_id": self.env.user.id,
                "resolved_date": fields.Datetime.now(),
            }
        )
        still_open = self.sudo().search(
            [("move_id", "in", self.move_id.ids), ("state", "=", "open")]
        )
        (self.move_id - still_open.move_id).sudo().with_context(credit_dispute_closing=True).write(
            {"dunning_disputed": False, "dunning_dispute_reason": False}
        )
        self.activity_feedback(
            ["credit_management.mail_activity_credit_dispute"],
            feedback=self.env._("Dispute resolved."),
        )
        for dispute in self:
            dispute.partner_id.sudo().message_post(
                body=self.env._(
                    "Dispute %(dispute)s on %(invoice)s resolved: %(resolution)s",
                    dispute=dispute.name,
                    invoice=dispute.move_id.name,
                    resolution=dispute.resolution or "",
                ),
                subtype_xmlid="mail.mt_note",
                author_id=self.env.user.partner_id.id,
            )

    def _credit_schedule_activity(self, users):
        """A dispute from the customer's page: an activity for the first of
        ``users`` who works on credit (else the first of them)."""
        self.ensure_one()
        assignee = (
            users.filtered(lambda u: u.has_group("credit_management.group_credit_user"))[:1]
            or users[:1]
        )
        if not assignee:
            return self.env["mail.activity"]
        return self.sudo().activity_schedule(
            "credit_management.mail_activity_credit_dispute",
            user_id=assignee.id,
            summary=self.env._(
                "%(invoice)s disputed: %(reason)s",
                invoice=self.move_id.name,
                reason=self.reason_id.name,
            ),
            note=self.message,
        )
