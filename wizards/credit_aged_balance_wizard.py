# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import base64
import io

import xlsxwriter

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import format_date


class CreditAgedBalanceWizard(models.TransientModel):
    """Aged balance of the customers at a date, printed (PDF) or downloaded (XLSX).

    The amounts are the residuals at that date (see
    ``res.company._credit_aged_balance``): the total of each company ties to the
    balance of its receivable accounts at that date for the customers shown.
    """

    _name = "credit.aged.balance.wizard"
    _description = "Aged Balance at a Date"

    date = fields.Date(required=True, default=fields.Date.context_today)
    company_ids = fields.Many2many(
        "res.company",
        string="Companies",
        required=True,
        default=lambda self: self.env.companies,
        domain=lambda self: [("id", "in", self.env.user.company_ids.ids)],
    )
    interval = fields.Integer(string="Period Length (days)", required=True, default=30)
    periods = fields.Integer(string="Number of Periods", required=True, default=4)
    aged_by = fields.Selection(
        [("due", "Due Date"), ("invoice", "Invoice Date")],
        required=True,
        default="due",
    )
    partner_ids = fields.Many2many(
        "res.partner",
        string="Customers",
        help="Leave empty for every customer.",
    )
    xlsx_file = fields.Binary(string="Spreadsheet", readonly=True, attachment=False)
    xlsx_filename = fields.Char(readonly=True)

    @api.constrains("interval", "periods")
    def _check_periods(self):
        for wizard in self:
            if not 1 <= wizard.interval <= 365:
                raise ValidationError(self.env._("A period lasts from 1 to 365 days."))
            if not 1 <= wizard.periods <= 12:
                raise ValidationError(self.env._("The aged balance has 1 to 12 periods."))

    def action_print_pdf(self):
        self.ensure_one()
        report = self.env.ref("credit_management.action_report_aged_balance")
        return report.report_action(self, config=False)

    def action_download_xlsx(self):
        self.ensure_one()
        self.write(
            {
                "xlsx_file": base64.b64encode(self._aged_balance_xlsx()),
                "xlsx_filename": self._aged_balance_filename("xlsx"),
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/xlsx_file/"
            f"{self.xlsx_filename}?download=true",
            "target": "download",
        }

    def _aged_balance_filename(self, extension):
        return f"{self.env._('Aged Balance')} {fields.Date.to_string(self.date)}.{extension}"

    def _aged_balance_columns(self):
        """Column titles: not due, each period, older."""
        self.ensure_one()
        first = self.env._("Not Due") if self.aged_by == "due" else self.env._("Current")
        titles = [first]
        for period in range(self.periods):
            titles.append(
                self.env._(
                    "%(start)s-%(end)s",
                    start=period * self.interval + 1,
                    end=(period + 1) * self.interval,
                )
            )
        titles.append(self.env._("Over %(days)s", days=self.periods * self.interval))
        return titles

    def _aged_balance_data(self):
        """One section per company: its customers' lines and the column totals.

        Two queries for the amounts (all companies at once) and one to read the
        customers' names, whatever the number of customers.
        """
        self.ensure_one()
        # the field's domain keeps to the user's companies; raw SQL follows: check again
        companies = self.sudo().company_ids
        if companies - self.env.user.company_ids:
            raise AccessError(self.env._("You can only print the aged balance of your companies."))
        partners = self.partner_ids.commercial_partner_id
        rows = companies.sudo()._credit_aged_balance_rows(
            self.date,
            interval=self.interval,
            periods=self.periods,
            partner_ids=partners.ids or None,
            by=self.aged_by,
        )
        # complete_name is stored: one query for all the customers' names
        names = {
            partner.id: partner.complete_name
            for partner in self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            .search_fetch(
                [("id", "in", [partner_id for __, partner_id in rows])], ["complete_name"]
            )
        }
        sections = []
        width = self.periods + 2
        for company in companies.with_env(self.env).sorted(lambda c: (c.sequence, c.name)):
            currency = company.currency_id
            # amounts are sums of exact decimals: rounding only drops float noise
            digits = currency.decimal_places
            lines = [
                {
                    "partner_id": partner_id,
                    "name": names.get(partner_id, ""),
                    "amounts": [round(amount, digits) for amount in amounts],
                    "total": round(sum(amounts), digits),
                }
                for (company_id, partner_id), amounts in rows.items()
                if company_id == company.id
            ]
            lines.sort(key=lambda line: (line["name"].lower(), line["partner_id"]))
            totals = [
                round(sum(line["amounts"][i] for line in lines), digits) for i in range(width)
            ]
            sections.append(
                {
                    "company": company,
                    "currency": currency,
                    "lines": lines,
                    "totals": totals,
                    "total": round(sum(totals), digits),
                }
            )
        return sections

    def _aged_balance_subtitle(self):
        self.ensure_one()
        aged_by = dict(self._fields["aged_by"]._description_selection(self.env))[self.aged_by]
        return self.env._(
            "At %(date)s, aged by %(aged_by)s, periods of %(days)s days",
            date=format_date(self.env, self.date),
            aged_by=aged_by.lower(),
            days=self.interval,
        )

    def _aged_balance_xlsx(self):
        """The aged balance as an XLSX workbook (bytes): one sheet, a block per company."""
        self.ensure_one()
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        sheet = workbook.add_worksheet(self.env._("Aged Balance")[:31])
        bold = workbook.add_format({"bold": True})
        title = workbook.add_format({"bold": True, "font_size": 14})
        header = workbook.add_format({"bold": True, "bottom": 1, "align": "center"})
        columns = self._aged_balance_columns()
        row = 0
        sheet.write(row, 0, self.env._("Aged Balance"), title)
        row += 1
        sheet.write(row, 0, self._aged_balance_subtitle())
        row += 2
        sheet.set_column(0, 0, 40)
        sheet.set_column(1, len(columns) + 1, 16)
        for section in self._aged_balance_data():
            currency = section["currency"]
            decimals = "0" * currency.decimal_places
            number = "#,##0" + (f".{decimals}" if decimals else "")
            amount = workbook.add_format({"num_format": number})
            total = workbook.add_format({"num_format": number, "bold": True, "top": 1})
            sheet.write(row, 0, f"{section['company'].name} ({currency.name})", bold)
            row += 1
            sheet.write(row, 0, self.env._("Customer"), header)
            for col, column in enumerate([*columns, self.env._("Total")], start=1):
                sheet.write(row, col, column, header)
            row += 1
            for line in section["lines"]:
                sheet.write(row, 0, line["name"])
                for col, value in enumerate([*line["amounts"], line["total"]], start=1):
                    sheet.write_number(row, col, value, amount)
                row += 1
            sheet.write(row, 0, self.env._("Total"), workbook.add_format({"bold": True, "top": 1}))
            for col, value in enumerate([*section["totals"], section["total"]], start=1):
                sheet.write_number(row, col, value, total)
            row += 3
        workbook.close()
        return output.getvalue()
