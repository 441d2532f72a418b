# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from collections import defaultdict

from odoo import api, fields, models


class CreditSolvencyRequest(models.Model):
    """A customer whose solvency a credit manager asked to check, left to the
    periodic review (``res.partner._cron_solvency_review``), which checks it
    first, in its own transaction, and tells the user when it is done: the
    providers are not called while the user waits."""

    _name = "credit.solvency.request"
    _description = "Solvency Check Request"
    _order = "id"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
        ondelete="cascade",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Requested By",
        required=True,
        default=lambda self: self.env.user,
        ondelete="cascade",
    )

    _sql_constraints = [
        (
            "partner_company_unique",
            "UNIQUE(partner_id, company_id)",
            "The check of a customer is requested only once per company.",
        ),
    ]

    @api.model
    def _solvency_queue(self, partners):
        """Queue the check of these customers in the current company, as the
        current user, and have the review run soon. A customer already queued
        stays queued once.

        :return: the customers (commercial entities) queued
        """
        self.check_access("create")
        partners = partners.commercial_partner_id
        company = self.env.company
        queued = (
            self.sudo()
            .search([("partner_id", "in", partners.ids), ("company_id", "=", company.id)])
            .partner_id
        )
        self.create(
            [{"partner_id": partner.id, "company_id": company.id} for partner in partners - queued]
        )
        cron = self.env.ref("credit_management.ir_cron_solvency_review", raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()
        return partners

    @api.model
    def _solvency_requested(self, company):
        """``[(user, [customer ids])]`` queued in ``company``, oldest first."""
        by_user = defaultdict(list)
        for request in self.sudo().search([("company_id", "=", company.id)]):
            by_user[request.user_id].append(request.partner_id.id)
        return list(by_user.items())

    @api.model
    def _solvency_done(self, company, partners):
        """Forget the requests of these customers, checked in ``company``."""
        self.sudo().search(
            [("company_id", "=", company.id), ("partner_id", "in", partners.ids)]
        ).unlink()

    @api.model
    def _solvency_notify(self, user, checks):
        """Tell ``user`` that the checks it asked for are done, in its language."""
        env = self.with_context(lang=user.lang).env
        failed = checks.filtered(lambda check: check.state == "failed")
        user._bus_send(
            "simple_notification",
            {
                "title": env._("Solvency Check"),
                "message": env._(
                    "Solvency of %(count)s customer(s) checked: %(done)s check(s) done, "
                    "%(failed)s failed (see the Solvency Checks).",
                    count=len(checks.partner_id),
                    done=len(checks - failed),
                    failed=len(failed),
                ),
                "type": "warning" if failed else "success",
                "sticky": bool(failed),
            },
        )
