# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import re
from functools import partial
from urllib.parse import urlencode

from werkzeug.exceptions import NotFound

from odoo import Command, fields, http
from odoo.exceptions import UserError, ValidationError
from odoo.http import content_disposition, request

from odoo.addons.account_payment.controllers.portal import PortalAccount

from ..models.credit_portal_action import CreditRateLimitError

STATEMENT_NOTICES = ("promise", "dispute", "payment")


class CreditStatementPortal(PortalAccount):
    """The customer's statement page, reached from the signed link of its
    reminders (no login) or from the portal's home (``/my/statement``)."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "credit_statement_count" in counters:
            partner = request.env.user.partner_id.commercial_partner_id.sudo()
            values["credit_statement_count"] = len(partner._credit_portal_invoices())
        return values

    # ------------------------------------------------------------------
    # Pages
    # ------------------------------------------------------------------

    @http.route("/my/statement", type="http", auth="user", website=True)
    def portal_my_credit_statement(self, **kw):
        partner = request.env.user.partner_id.commercial_partner_id
        return request.redirect(f"/my/statement/{partner.id}")

    @http.route("/my/statement/<int:partner_id>", type="http", auth="public", website=True)
    def portal_credit_statement(self, partner_id, access_token=None, notice=None, **kw):
        if not access_token and request.env.user._is_public():
            return request.redirect(
                "/web/login?" + urlencode({"redirect": request.httprequest.full_path})
            )
        partner = self._credit_statement_partner(partner_id, access_token)
        dispute_move = kw.get("dispute", "")
        return self._credit_statement_render(
            partner,
            access_token,
            notice=notice if notice in STATEMENT_NOTICES else None,
            dispute_move_id=int(dispute_move) if dispute_move.isdigit() else None,
        )

    @http.route("/my/statement/<int:partner_id>/pdf", type="http", auth="public", website=True)
    def portal_credit_statement_pdf(self, partner_id, access_token=None, **kw):
        partner = self._credit_statement_partner(partner_id, access_token)
        pdf = (
            request.env["ir.actions.report"]
            .sudo()
            .with_company(partner.env.company)
            ._render_qweb_pdf("credit_management.report_customer_statement", partner.ids)[0]
        )
        filename = re.sub(r"\W+", "_", f"Statement {partner.name}") + ".pdf"
        return request.make_response(
            pdf,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(pdf)),
                ("Content-Disposition", content_disposition(filename)),
            ],
        )

    # ------------------------------------------------------------------
    # Actions (forms of the page, CSRF-protected)
    # ------------------------------------------------------------------

    @http.route(
        "/my/statement/<int:partner_id>/promise",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_credit_statement_promise(
        self, partner_id, access_token=None, promise_date=None, comment=None, **post
    ):
        partner = self._credit_statement_partner(partner_id, access_token)
        moves = partner.env["account.move"].browse(
            [int(v) for v in request.httprequest.form.getlist("move_ids") if v.isdigit()]
        )
        try:
            date = fields.Date.to_date(promise_date)
        except ValueError:
            date = None
        return self._credit_statement_act(
            partner,
            access_token,
            "promise",
            partial(partner._credit_portal_promise, moves, date, comment=comment),
        )

    @http.route(
        "/my/statement/<int:partner_id>/dispute",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_credit_statement_dispute(
        self, partner_id, access_token=None, move_id=None, reason_id=None, message=None, **post
    ):
        partner = self._credit_statement_partner(partner_id, access_token)
        move = partner.env["account.move"].browse(int(move_id) if (move_id or "").isdigit() else [])
        reason = partner.env["credit.dispute.reason"].browse(
            int(reason_id) if (reason_id or "").isdigit() else []
        )
        files = [
            (upload.filename, upload.read(), upload.mimetype)
            for upload in request.httprequest.files.getlist("attachments")
            if upload.filename
        ]
        return self._credit_statement_act(
            partner,
            access_token,
            "dispute",
            partial(partner._credit_portal_dispute, move, reason, message, attachments=files),
        )

    # ------------------------------------------------------------------
    # Pay all overdue invoices of a currency
    # ------------------------------------------------------------------

    @http.route(
        "/my/statement/<int:partner_id>/pay/<int:currency_id>",
        type="http",
        auth="public",
        website=True,
    )
    def portal_credit_statement_pay(self, partner_id, currency_id, access_token=None, **kw):
        partner = self._credit_statement_partner(partner_id, access_token)
        currency = request.env["res.currency"].browse(currency_id)
        invoices = partner._credit_portal_overdue_to_pay().get(currency)
        if not invoices:
            return request.redirect(partner._credit_statement_path(access_token))
        company = partner.env.company
        amount = sum(invoices.mapped("amount_residual"))
        reference = ", ".join(invoices.mapped("name"))
        values = self._get_common_page_view_values(
            invoices_data={
                "partner": partner,
                "company": company,
                "total_amount": amount,
                "currency": currency,
                "amount_residual": amount,
                "payment_reference": reference,
                "landing_route": partner._credit_statement_path(access_token, notice="payment"),
                "transaction_route": f"/my/statement/{partner.id}/transaction/{currency.id}",
            },
            access_token=access_token,
        )
        values.update(
            {
                "page_name": "credit_statement_pay",
                "statement_partner": partner,
                "statement_url": partner._credit_statement_path(access_token),
                "res_company": company,
                "pay_invoices": invoices,
                "amount": amount,
                "currency": currency,
                "reference": reference,
            }
        )
        return request.render("credit_management.portal_credit_statement_pay", values)

    @http.route(
        "/my/statement/<int:partner_id>/transaction/<int:currency_id>", type="json", auth="public"
    )
    def portal_credit_statement_transaction(
        self, partner_id, currency_id, access_token=None, **kwargs
    ):
        try:
            partner = self._credit_statement_partner(partner_id, access_token)
        except NotFound as error:
            raise ValidationError(request.env._("The access token is invalid.")) from error
        self._validate_transaction_kwargs(kwargs)
        currency = request.env["res.currency"].browse(currency_id)
        invoices = partner._credit_portal_overdue_to_pay().get(currency)
        if not invoices:
            raise ValidationError(request.env._("There is no overdue invoice left to pay."))
        amount = sum(invoices.mapped("amount_residual"))
        if currency.compare_amounts(float(kwargs.get("amount") or 0.0), amount):
            raise ValidationError(
                request.env._("The amount due has changed: reload the page before paying.")
            )
        company = partner.env.company
        payer = self._credit_author(partner)
        providers = (
            request.env["payment.provider"]
            .sudo()
            ._get_compatible_providers(company.id, payer.id, amount, currency_id=currency.id)
        )
        if kwargs.get("flow") != "token" and kwargs.get("provider_id") not in providers.ids:
            raise ValidationError(request.env._("This payment method is not available."))
        try:
            partner._credit_portal_pay(invoices, self._credit_ip_address(), author=payer)
        except CreditRateLimitError as error:
            raise ValidationError(error.args[0]) from error
        kwargs.update({"amount": amount, "currency_id": currency.id, "partner_id": payer.id})
        tx_sudo = self._create_transaction(
            custom_create_values={"invoice_ids": [Command.set(invoices.ids)]}, **kwargs
        )
        return tx_sudo._get_processing_values()

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _credit_statement_partner(self, partner_id, access_token):
        """The commercial entity whose page is asked for, in the company of its
        link (sudo): by its signed link, or as the logged-in portal user's own
        (in the user's company). 404 for anything else."""
        partner = request.env["res.partner"].sudo().browse(partner_id).exists()
        if not partner:
            raise NotFound()
        entity = partner.commercial_partner_id
        if access_token:
            company = entity._credit_statement_company(access_token)
        else:
            user = request.env.user
            own = not user._is_public() and user.partner_id.commercial_partner_id == entity
            company = request.env.company if own else None
        if not company:
            raise NotFound()
        languages = dict(request.env["res.lang"].get_installed())
        if request.env.user._is_public() and entity.lang in languages:
            # the page speaks the language of the reminders
            request.update_context(lang=entity.lang)
        return request.env["res.partner"].sudo().with_company(company).browse(entity.id)

    def _credit_statement_render(
        self, partner, access_token, notice=None, error=None, dispute_move_id=None, status=200
    ):
        values = self._prepare_portal_layout_values()
        values.update(partner._credit_statement_values())
        values.update(
            {
                "page_name": "credit_statement",
                "res_company": partner.env.company,
                "access_token": access_token,
                "statement_url": partner._credit_statement_path(access_token),
                "pdf_url": f"/my/statement/{partner.id}/pdf"
                + (f"?access_token={access_token}" if access_token else ""),
                "notice": notice,
                "error": error,
                "dispute_move_id": dispute_move_id,
                "form": request.httprequest.form if request.httprequest.method == "POST" else {},
            }
        )
        return request.render("credit_management.portal_credit_statement", values, status=status)

    def _credit_statement_act(self, partner, access_token, notice, action):
        """Do ``action`` (a promise or a dispute, called with the IP address and
        the author); back to the page with a notice, or showing the refusal."""
        try:
            with request.env.cr.savepoint():
                action(self._credit_ip_address(), author=self._credit_author(partner))
        except CreditRateLimitError as error:
            return self._credit_statement_render(
                partner, access_token, error=error.args[0], status=429
            )
        except (UserError, ValidationError) as error:
            return self._credit_statement_render(
                partner, access_token, error=error.args[0], status=400
            )
        return request.redirect(partner._credit_statement_path(access_token, notice=notice))

    def _credit_ip_address(self):
        return request.httprequest.remote_addr

    def _credit_author(self, partner):
        """Who acts on the page: the logged-in user, else the customer."""
        user = request.env.user
        return partner if user._is_public() else user.partner_id
