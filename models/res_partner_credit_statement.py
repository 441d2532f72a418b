# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import uuid
from collections import defaultdict
from datetime import timedelta
from urllib.parse import urlencode

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, consteq, format_date, formatLang

# files a customer may join to a dispute
MAX_DISPUTE_FILES = 5
MAX_DISPUTE_FILE_SIZE = 10 * 1024 * 1024


class ResPartner(models.Model):
    """The customer's statement page: a signed link per customer and company,
    what the page shows, and what the customer does from it (promise to pay,
    dispute, online payment)."""

    _inherit = "res.partner"

    # One random token per company, on the commercial entity: the link of a
    # company's reminders shows that company's items only. Renewing the token
    # revokes the former link.
    credit_statement_token = fields.Char(
        company_dependent=True, copy=False, groups="base.group_system"
    )
    credit_statement_url = fields.Char(
        string="Statement Page",
        compute="_compute_credit_statement_url",
        groups="credit_management.group_credit_user",
        help="Link of the customer's statement page, sent in every reminder: open items, "
        "online payment, promise to pay and dispute, without logging in.",
    )

    @api.depends_context("company")
    def _compute_credit_statement_url(self):
        for partner in self:
            entity = partner.commercial_partner_id
            token = entity.id and entity.sudo().credit_statement_token
            partner.credit_statement_url = (
                f"{entity.get_base_url()}{entity._credit_statement_path(token)}" if token else False
            )

    def action_credit_statement_renew_link(self):
        """Give the customers a new link to their statement page in the current
        company: the former link stops working."""
        if not self.env.user.has_group("credit_management.group_credit_manager"):
            raise AccessError(self.env._("Only credit managers can renew statement links."))
        entities = self.commercial_partner_id
        renewed = entities.filtered(lambda p: p.sudo().credit_statement_token)
        entities._credit_statement_ensure_tokens(renew=True)
        for partner in entities:
            if partner in renewed:
                body = self.env._(
                    "New link to the statement page (%(company)s): the former link no longer "
                    "works.",
                    company=self.env.company.name,
                )
            else:
                body = self.env._(
                    "Link to the statement page created (%(company)s).",
                    company=self.env.company.name,
                )
            partner.sudo().message_post(body=body, author_id=self.env.user.partner_id.id)
        return True

    def _credit_statement_url(self):
        """Signed link of the statement page of this customer (its commercial
        entity's, for a contact) in the current company, made on first use."""
        self.ensure_one()
        entity = self.commercial_partner_id
        token = entity.sudo().credit_statement_token
        if not token:
            entity._credit_statement_ensure_tokens()
            token = entity.sudo().credit_statement_token
        return f"{entity.get_base_url()}{entity._credit_statement_path(token)}"

    def _credit_statement_path(self, token=None, **params):
        """Path of the statement page of this commercial entity."""
        self.ensure_one()
        query = {"access_token": token} if token else {}
        query.update({key: value for key, value in params.items() if value})
        return f"/my/statement/{self.id}" + (f"?{urlencode(query)}" if query else "")

    def _credit_statement_ensure_tokens(self, renew=False):
        """Give these customers' commercial entities a statement link in the
        current company, in one statement (a dunning run emails hundreds of
        customers); ``renew`` replaces the existing links."""
        partners = self.commercial_partner_id
        if not partners:
            return
        self.flush_model(["credit_statement_token"])
        self.env.cr.execute(
            SQL(
                """
                UPDATE res_partner
                   SET credit_statement_token = COALESCE(res_partner.credit_statement_token,
                                                         '{}'::jsonb)
                       || jsonb_build_object(%(key)s, new.token)
                  FROM unnest(%(ids)s::int[], %(tokens)s::varchar[]) AS new(id, token)
                 WHERE res_partner.id = new.id
                   AND (%(renew)s OR res_partner.credit_statement_token ->> %(key)s IS NULL)
                """,
                key=str(self.env.company.id),
                ids=partners.ids,
                tokens=[str(uuid.uuid4()) for __ in partners],
                renew=renew,
            )
        )
        self.invalidate_model(["credit_statement_token", "credit_statement_url"])

    def _credit_statement_company(self, token):
        """The company whose statement link of this commercial entity carries
        ``token``: an empty recordset when none does."""
        self.ensure_one()
        Company = self.env["res.company"].sudo()
        if not token or not isinstance(token, str):
            return Company
        self.flush_recordset(["credit_statement_token"])
        self.env.cr.execute(
            SQL("SELECT credit_statement_token FROM res_partner WHERE id = %s", self.id)
        )
        row = self.env.cr.fetchone()
        given = token.encode()
        for company_id, value in ((row and row[0]) or {}).items():
            if value and consteq(value.encode(), given):
                return Company.browse(int(company_id)).exists().filtered("active")
        return Company

    def _credit_followup_users(self):
        """Who follows up this customer's promises and disputes in the current
        company: its salesperson and the company's credit managers."""
        self.ensure_one()
        salesperson = self.commercial_partner_id.user_id.filtered(
            lambda user: user.active and not user.share
        )
        return salesperson | self.env.company._credit_manager_users()

    def _credit_portal_invoices(self):
        """Open invoices of this commercial entity in the current company."""
        self.ensure_one()
        return (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("commercial_partner_id", "=", self.id),
                    ("company_id", "=", self.env.company.id),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("payment_state", "in", ("not_paid", "partial")),
                ],
                order="invoice_date_due, id",
            )
        )

    def _credit_portal_dispute_reasons(self):
        return (
            self.env["credit.dispute.reason"]
            .sudo()
            .search(["|", ("company_id", "=", False), ("company_id", "=", self.env.company.id)])
        )

    def _credit_portal_payable_currencies(self, invoices):
        """Currencies of ``invoices`` in which the company takes online payments."""
        Provider = self.env["payment.provider"].sudo()
        currencies = self.env["res.currency"]
        for currency, moves in invoices.grouped("currency_id").items():
            if Provider._get_compatible_providers(
                self.env.company.id,
                self.id,
                sum(moves.mapped("amount_residual")),
                currency_id=currency.id,
            ):
                currencies |= currency
        return currencies

    def _credit_portal_overdue_to_pay(self, invoices=None):
        """{currency: overdue invoices payable online}, disputed ones left out."""
        today = fields.Date.context_today(self)
        invoices = self._credit_portal_invoices() if invoices is None else invoices
        overdue = invoices.filtered(
            lambda move: (
                move.invoice_date_due
                and move.invoice_date_due < today
                and not move.dunning_disputed
                and move._has_to_be_paid()
            )
        )
        return dict(overdue.grouped("currency_id"))

    def _credit_statement_values(self):
        """What the statement page of this commercial entity shows in the
        current company: the statement of account's open items, aged balance and
        totals, with what the customer can do on each invoice."""
        self.ensure_one()
        partner = self.sudo()
        company = self.env.company
        today = fields.Date.context_today(self)
        data = (
            self.env["report.credit_management.report_customer_statement"]
            .sudo()
            ._get_report_values(partner.ids)
        )
        invoices = partner._credit_portal_invoices()
        disputes = (
            self.env["credit.dispute"]
            .sudo()
            .search([("partner_id", "=", partner.id), ("company_id", "=", company.id)])
        )
        open_disputes = {d.move_id: d for d in disputes.sorted("id") if d.state == "open"}
        payable = partner._credit_portal_payable_currencies(invoices)
        items = []
        for line in data["statement_lines"][partner.id]:
            move = line["move"]
            is_invoice = move in invoices
            promise = move.dunning_promise_date
            can_pay = is_invoice and move.currency_id in payable and move._has_to_be_paid()
            items.append(
                dict(
                    line,
                    is_invoice=is_invoice,
                    promise_date=promise if is_invoice and promise and promise >= today else False,
                    disputed=is_invoice and move.dunning_disputed,
                    dispute=open_disputes.get(move),
                    url=move.is_sale_document() and move.get_portal_url(),
                    pay_url=can_pay
                    and move.get_portal_url(anchor="portal_pay", query_string="&payment=True"),
                    pdf_url=move.is_sale_document()
                    and move.get_portal_url(report_type="pdf", download=True),
                )
            )
        to_pay = partner._credit_portal_overdue_to_pay(invoices)
        pay_overdue = [
            {
                "currency": currency,
                "amount": sum(moves.mapped("amount_residual")),
                "count": len(moves),
            }
            for currency, moves in sorted(to_pay.items(), key=lambda item: item[0].name)
            if currency in payable
        ]
        reminders = (
            self.env["credit.dunning.communication"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", partner.id),
                    ("company_id", "=", company.id),
                    ("state", "=", "sent"),
                    ("charges_amount", ">", 0),
                ]
            )
            .filtered(lambda c: not c.charges_move_id or c.charges_move_id.state == "cancel")
        )
        window = company.credit_portal_promise_days
        return {
            "partner": partner,
            "company": company,
            "currency": company.currency_id,
            "statement_date": data["statement_date"],
            "items": items,
            "aging": data["statement_aging"][partner.id],
            "totals": data["statement_totals"][partner.id],
            "currency_totals": data["statement_currency_totals"][partner.id],
            "pay_overdue": pay_overdue,
            "charges": reminders,
            "charges_total": sum(reminders.mapped("charges_amount")),
            "disputes": disputes,
            "banks": company.partner_id.bank_ids,
            "promise_invoices": invoices.filtered(lambda m: not m.dunning_disputed),
            "promise_min": today,
            "promise_max": today + timedelta(days=window),
            "promise_default": today + timedelta(days=min(7, window)),
            "dispute_invoices": invoices.filtered(lambda m: m not in open_disputes),
            "dispute_reasons": partner._credit_portal_dispute_reasons(),
            "dispute_files_help": self.env._(
                "Up to %(count)s files of %(size)s MB each.",
                count=MAX_DISPUTE_FILES,
                size=MAX_DISPUTE_FILE_SIZE // (1024 * 1024),
            ),
        }

    def _credit_portal_promise(self, moves, promise_date, ip_address, comment="", author=None):
        """The customer promises, from its statement page, to pay ``moves`` by
        ``promise_date``: recorded as a collector's promise (reminders paused
        until then), posted on the customer with its IP address, the
        follow-up users notified.

        :param author: partner shown as the author (the customer by default)
        :return: the message posted
        """
        self.ensure_one()
        company = self.env.company
        today = fields.Date.context_today(self)
        last = today + timedelta(days=company.credit_portal_promise_days)
        if not promise_date or not today <= promise_date <= last:
            raise UserError(
                self.env._(
                    "Choose a payment date between %(first)s and %(last)s.",
                    first=format_date(self.env, today),
                    last=format_date(self.env, last),
                )
            )
        moves = moves & self._credit_portal_invoices()
        if not moves:
            raise UserError(self.env._("Choose the invoices you will pay by that date."))
        self.env["credit.portal.action"]._credit_register(self, "promise", ip_address)
        note = self.env._(
            "Promised by the customer on its statement page (IP address %(ip)s).",
            ip=ip_address or "-",
        )
        if comment and comment.strip():
            note += " " + self.env._("Its comment: %(comment)s", comment=comment.strip())
        wizard = (
            self.env["credit.promise.wizard"]
            .sudo()
            .create(
                {
                    "partner_id": self.id,
                    "move_ids": [Command.set(moves.ids)],
                    "promise_date": promise_date,
                    "note": note,
                }
            )
        )
        return wizard._credit_record_promise(
            author=author or self, notify=self._credit_followup_users()
        )

    def _credit_portal_dispute(
        self, move, reason, message, ip_address, attachments=(), author=None
    ):
        """The customer disputes ``move`` from its statement page: the invoice
        leaves dunning, the follow-up users get an activity and a note.

        :param attachments: [(file name, content as bytes, mimetype)]
        :return: the dispute (``credit.dispute``)
        """
        self.ensure_one()
        move = move & self._credit_portal_invoices()
        if not move:
            raise UserError(self.env._("Choose the invoice you dispute."))
        Dispute = self.env["credit.dispute"].sudo()
        if Dispute.search_count([("move_id", "=", move.id), ("state", "=", "open")]):
            raise UserError(
                self.env._(
                    "Invoice %(invoice)s is already disputed: we are looking into it.",
                    invoice=move.name,
                )
            )
        if not reason or reason not in self._credit_portal_dispute_reasons():
            raise UserError(self.env._("Choose the reason of your dispute."))
        message = (message or "").strip()
        if not message:
            raise UserError(self.env._("Tell us what is wrong with the invoice."))
        attachments = [attachment for attachment in attachments if attachment[1]]
        if len(attachments) > MAX_DISPUTE_FILES:
            raise UserError(self.env._("Join at most %(count)s files.", count=MAX_DISPUTE_FILES))
        if any(len(content) > MAX_DISPUTE_FILE_SIZE for __, content, __ in attachments):
            raise UserError(
                self.env._(
                    "Each file must be smaller than %(size)s MB.",
                    size=MAX_DISPUTE_FILE_SIZE // (1024 * 1024),
                )
            )
        self.env["credit.portal.action"]._credit_register(self, "dispute", ip_address)
        dispute = Dispute.create(
            {
                "move_id": move.id,
                "reason_id": reason.id,
                "message": message,
                "origin": "portal",
                "ip_address": ip_address,
            }
        )
        if attachments:
            dispute.attachment_ids = (
                self.env["ir.attachment"]
                .sudo()
                .create(
                    [
                        {
                            "name": name,
                            "raw": content,
                            "mimetype": mimetype,
                            "res_model": dispute._name,
                            "res_id": dispute.id,
                        }
                        for name, content, mimetype in attachments
                    ]
                )
            )
        users = self._credit_followup_users()
        dispute._credit_schedule_activity(users)
        author = author or self
        dispute.message_post(
            body=message,
            attachment_ids=dispute.attachment_ids.ids,
            author_id=author.id,
            subtype_xmlid="mail.mt_note",
        )
        self.sudo().message_post(
            body=self.env._(
                "Invoice %(invoice)s disputed by the customer on its statement page (IP "
                "address %(ip)s), dispute %(dispute)s: %(reason)s. %(message)s",
                invoice=move.name,
                ip=ip_address or "-",
                dispute=dispute.name,
                reason=reason.name,
                message=message,
            ),
            subtype_xmlid="mail.mt_note",
            author_id=author.id,
            partner_ids=users.partner_id.ids,
        )
        return dispute

    def _credit_portal_pay(self, invoices, ip_address, author=None):
        """The customer starts paying ``invoices`` online from its statement
        page: counted and posted on the customer with its IP address."""
        self.ensure_one()
        self.env["credit.portal.action"]._credit_register(self, "payment", ip_address)
        amounts = defaultdict(float)
        for invoice in invoices:
            amounts[invoice.currency_id] += invoice.amount_residual
        self.sudo().message_post(
            body=self.env._(
                "Online payment of %(amount)s for %(invoices)s started by the customer on its "
                "statement page (IP address %(ip)s).",
                amount=" + ".join(
                    formatLang(self.env, amount, currency_obj=currency)
                    for currency, amount in amounts.items()
                ),
                invoices=", ".join(invoices.mapped("name")),
                ip=ip_address or "-",
            ),
            subtype_xmlid="mail.mt_note",
            author_id=(author or self).id,
        )
