# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import logging
from datetime import timedelta

from odoo import api, fields, models, modules
from odoo.tools import SQL, split_every

_logger = logging.getLogger(__name__)


class ResPartner(models.Model):
    """The periodic solvency review: customers queued by credit managers first,
    then those whose solvency is unknown or too old, in committed batches."""

    _inherit = "res.partner"

    @api.model
    def _cron_solvency_review(self, batch_size=50):
        """Check the customers queued by credit managers (``credit.solvency.request``,
        as the user who asked, who is told when done), then re-check the
        customers whose solvency is unknown or too old, in every company that
        has solvency providers; customers with an open exposure first.

        Batches are committed: a run stopped half-way resumes with the customers
        not checked yet. A provider that stops answering is paused for the rest
        of the run (circuit breaker, see ``credit.solvency.provider``); when all
        the providers of a company are paused, its review stops there and the
        next run takes it up again."""
        Provider = self.env["credit.solvency.provider"].sudo()
        if not hasattr(Provider, "_solvency_check_partners"):
            _logger.warning("Solvency review: no provider implementation installed.")
            return
        Request = self.env["credit.solvency.request"].sudo()
        companies = [company for [company] in Provider._read_group([], ["company_id"])]
        plans = []
        for company in companies:
            steps = Request._solvency_requested(company)
            queued = {partner_id for __, partner_ids in steps for partner_id in partner_ids}
            candidates = [
                partner_id
                for partner_id in self.sudo()._solvency_review_candidates(company)
                if partner_id not in queued
            ]
            if candidates:
                steps.append((None, candidates))
            if steps:
                plans.append((company, steps))
        total = sum(len(ids) for __, steps in plans for __, ids in steps)
        done = 0
        run = {}  # shared by the companies: a public source answers once per customer
        for company, steps in plans:
            run.pop("stopped", None)
            for user, partner_ids in steps:
                # a requested check is the user's: recorded as theirs
                providers = Provider.with_user(user).sudo() if user else Provider
                providers = providers.with_company(company)
                checks = self.env["credit.solvency.check"]
                for batch in split_every(batch_size, partner_ids):
                    partners = self.with_env(providers.env).browse(batch)
                    # the providers record their failures as failed checks
                    checks |= providers._solvency_check_partners(
                        partners, trigger="user" if user else "cron", run=run
                    )
                    if user:
                        Request._solvency_done(
                            company, partners - partners.browse(run.get("skipped", ()))
                        )
                    done += len(batch)
                    self.env["ir.cron"]._notify_progress(done=done, remaining=total - done)
                    if not modules.module.current_test:
                        self.env.cr.commit()  # pylint: disable=invalid-commit
                    if run.get("stopped"):
                        break
                if user and checks:
                    Request._solvency_notify(user, checks)
                if run.get("stopped"):
                    _logger.warning(
                        "Solvency review of %s stopped: no provider answers; "
                        "the next run takes it up again.",
                        company.name,
                    )
                    # not "partially done": the cron would call them again at once
                    self.env["ir.cron"]._notify_progress(done=done, remaining=0)
                    break
        _logger.info("Solvency review: %s customers checked", done)

    @api.model
    def _solvency_review_candidates(self, company, date=None):
        """Ids of the customers of ``company`` (commercial entities with posted
        invoices or sales orders there) whose solvency is unknown or older than
        the company's review period, the largest open exposure first and the
        customers with a credit-blocked quotation before all. One query."""
        date = date or fields.Date.context_today(self)
        limit_date = date - timedelta(days=company.solvency_review_days or 0)
        for model, fnames in (
            ("account.move", ["state", "move_type", "commercial_partner_id", "company_id"]),
            ("sale.order", ["state", "company_id", "partner_id", "credit_check_state"]),
            (
                "account.move.line",
                ["amount_residual", "reconciled", "parent_state", "partner_id", "company_id"],
            ),
            ("res.partner", ["commercial_partner_id", "solvency_date", "active"]),
        ):
            self.env[model].flush_model(fnames)
        self.env.cr.execute(
            SQL(
                """
                WITH customers AS (
                    SELECT move.commercial_partner_id AS partner_id, FALSE AS blocked
                      FROM account_move move
                     WHERE move.company_id = %(company)s
                       AND move.state = 'posted'
                       AND move.move_type IN ('out_invoice', 'out_refund')
                     UNION
                    SELECT p.commercial_partner_id,
                           so.state IN ('draft', 'sent') AND so.credit_check_state IS NOT NULL
                      FROM sale_order so
                      JOIN res_partner p ON p.id = so.partner_id
                     WHERE so.company_id = %(company)s
                       AND so.state != 'cancel'
                ),
                exposure AS (
                    SELECT p.commercial_partner_id AS partner_id,
                           SUM(aml.amount_residual) AS amount
                      FROM account_move_line aml
                      JOIN account_account account ON account.id = aml.account_id
                      JOIN res_partner p ON p.id = aml.partner_id
                     WHERE aml.company_id = %(company)s
                       AND aml.parent_state = 'posted'
                       AND account.account_type = 'asset_receivable'
                       AND NOT aml.reconciled
                  GROUP BY p.commercial_partner_id
                )
                SELECT customers.partner_id
                  FROM customers
                  JOIN res_partner partner ON partner.id = customers.partner_id
             LEFT JOIN exposure ON exposure.partner_id = customers.partner_id
                 WHERE partner.active
                   AND (partner.solvency_date IS NULL OR partner.solvency_date < %(limit_date)s)
              GROUP BY customers.partner_id, exposure.amount
              ORDER BY BOOL_OR(customers.blocked) DESC,
                       COALESCE(exposure.amount, 0) DESC,
                       customers.partner_id
                """,
                company=company.id,
                limit_date=limit_date,
            )
        )
        return [partner_id for [partner_id] in self.env.cr.fetchall()]
