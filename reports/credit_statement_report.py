# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models

AGING_BUCKETS = ("not_due", "1_30", "31_60", "61_90", "over_90")


class ReportCustomerStatement(models.AbstractModel):
    """Statement of account of customers: open receivable items and aged balance.

    Odoo uses this model to render the report whose ``report_name`` is
    ``credit_management.report_customer_statement`` (model name ``report.<report_name>``).
    """

    _name = "report.credit_management.report_customer_statement"
    _description = "Customer Statement of Account"

    @api.model
    def _get_report_values(self, docids, data=None):
        data = data or {}
        company = self.env.company
        date = fields.Date.to_date(data.get("date")) or fields.Date.context_today(self)
        partners = self.env["res.partner"].browse(docids).exists()
        partners.check_access("read")
        # The statement is that of the commercial entity, whatever contact it is printed from.
        partners = partners.commercial_partner_id
        lines_by_partner = {partner.id: [] for partner in partners}
        aging_by_partner = {partner.id: dict.fromkeys(AGING_BUCKETS, 0.0) for partner in partners}
        totals_by_partner = {partner.id: {"residual": 0.0, "overdue": 0.0} for partner in partners}
        # what the customer owes in each currency of its items
        currency_totals = {partner.id: {} for partner in partners}
        # One search for all the partners (set-based, constant number of queries).
        move_lines = self._statement_move_line_model().search(
            self._statement_domain(partners, company),
            order="date_maturity, date, move_name, id",
        )
        currency = company.currency_id
        for move_line in move_lines:
            partner_id = move_line.partner_id.commercial_partner_id.id
            date_due = move_line.date_maturity or move_line.date
            days_overdue = (date - date_due).days
            residual = move_line.amount_residual
            foreign = move_line.currency_id and move_line.currency_id != currency
            line_currency = move_line.currency_id if foreign else currency
            residual_currency = move_line.amount_residual_currency if foreign else residual
            lines_by_partner[partner_id].append(
                {
                    "date": move_line.date,
                    "move": move_line.move_id,
                    "name": move_line.move_name,
                    "ref": self._statement_reference(move_line),
                    "date_due": date_due,
                    "days_overdue": max(days_overdue, 0),
                    "amount": move_line.balance,
                    "amount_currency": move_line.amount_currency if foreign else move_line.balance,
                    "residual": residual,
                    "currency": line_currency,
                    "residual_currency": residual_currency,
                    "foreign": bool(foreign),
                }
            )
            total = currency_totals[partner_id].setdefault(
                line_currency, {"currency": line_currency, "residual": 0.0, "overdue": 0.0}
            )
            total["residual"] += residual_currency
            if days_overdue > 0:
                total["overdue"] += residual_currency
            aging_by_partner[partner_id][self._aging_bucket(days_overdue)] += residual
            totals_by_partner[partner_id]["residual"] += residual
            if days_overdue > 0:
                totals_by_partner[partner_id]["overdue"] += residual
        for values in (*aging_by_partner.values(), *totals_by_partner.values()):
            for key, amount in values.items():
                values[key] = currency.round(amount)
        for partner_id, totals in currency_totals.items():
            for total in totals.values():
                total["residual"] = total["currency"].round(total["residual"])
                total["overdue"] = total["currency"].round(total["overdue"])
            currency_totals[partner_id] = sorted(
                totals.values(), key=lambda t: (t["currency"] != currency, t["currency"].name)
            )
        return {
            "doc_ids": partners.ids,
            "doc_model": "res.partner",
            "docs": partners,
            "company": company,
            "currency": currency,
            "statement_date": date,
            "statement_lines": lines_by_partner,
            "statement_aging": aging_by_partner,
            "statement_totals": totals_by_partner,
            "statement_currency_totals": currency_totals,
        }

    def _statement_move_line_model(self):
        model = self.env["account.move.line"]
        if not model.has_access("read") and self.env.user.has_group(
            "credit_management.group_credit_user"
        ):
            # Credit controllers review receivables without being accountants;
            # the domain keeps to the current company.
            model = model.sudo()
        return model

    @api.model
    def _statement_domain(self, partners, company):
        return [
            ("company_id", "=", company.id),
            ("account_type", "=", "asset_receivable"),
            ("parent_state", "=", "posted"),
            ("reconciled", "=", False),
            ("partner_id.commercial_partner_id", "in", partners.ids),
        ]

    @api.model
    def _statement_reference(self, move_line):
        """Customer reference or payment reference, when it differs from the number."""
        references = (move_line.ref, move_line.move_id.payment_reference)
        return next((ref for ref in references if ref and ref != move_line.move_name), "")

    @api.model
    def _aging_bucket(self, days_overdue):
        if days_overdue <= 0:
            return "not_due"
        if days_overdue <= 30:
            return "1_30"
        if days_overdue <= 60:
            return "31_60"
        if days_overdue <= 90:
            return "61_90"
        return "over_90"
