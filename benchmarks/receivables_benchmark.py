#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Cost of the receivables analytics on a realistic book.

Uses the book of ``dunning_benchmark.py --build`` (2,000 customers, 20,000
posted invoices). ``--pay N`` first pays N of its invoices in full (commits), on
dates spread over the last 120 days, so that the aged balance at a past
date has reconciliations to add back.

``--measure`` then times, in a transaction rolled back at the end, after a
``VACUUM ANALYZE``, each step a user waits for, and prints its wall time and
SQL queries next to what it computed:

- the receivables analysis: the pivot's reads (customers x ages, and its
  totals), the graph's read (salespeople x ages);
- the aged balance at a date (30 days ago, so that later payments are added
  back): ``_credit_aged_balance``, the XLSX download, the PDF (its HTML, then
  wkhtmltopdf);
- the DSO series of twelve months, and the dashboard's reads of
  ``credit.dso.report``.

Each step runs ``--repeat`` times (record and ORM caches cleared before each):
the first (cold) and the median of the others (warm) are printed, with their
queries ("cold/warm" when they differ: the first PDF compiles its templates).

Usage:
    python3 benchmarks/dunning_benchmark.py --db bench --addons-path <path> --build
    python3 benchmarks/receivables_benchmark.py --db bench --addons-path <path> \\
        [--pay 4000] --measure
"""

import argparse
import random
import statistics
import sys
import time
from datetime import timedelta

from dunning_benchmark import vacuum  # the sibling benchmark (same folder)

import odoo
from odoo import api, fields
from odoo.tools import config


def new_env(cr):
    return api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})


def pay_invoices(env, count, seed, batch_size=50):
    """Pay ``count`` open invoices in full, on dates spread over the last 120
    days (never before the invoice), ``batch_size`` invoices per payment
    wizard (one payment each); commits every wizard."""
    rng = random.Random(seed)
    today = fields.Date.context_today(env["res.partner"])
    invoices = env["account.move"].search(
        [
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "=", "not_paid"),
            ("company_id", "=", env.company.id),
        ]
    )
    invoices = invoices.browse(rng.sample(invoices.ids, min(count, len(invoices))))
    by_date = {}
    for invoice in invoices:
        span = min(max((today - invoice.invoice_date).days, 0), 120)
        pay_date = today - timedelta(days=rng.randint(0, span))
        by_date.setdefault(max(pay_date, invoice.invoice_date), []).append(invoice.id)
    start = time.perf_counter()
    done = 0
    for pay_date, invoice_ids in sorted(by_date.items()):
        for first in range(0, len(invoice_ids), batch_size):
            batch = invoice_ids[first : first + batch_size]
            env["account.payment.register"].with_context(
                active_model="account.move", active_ids=batch
            ).create({"payment_date": pay_date, "group_payment": False})._create_payments()
            env.cr.commit()
            env.invalidate_all()
            done += len(batch)
        print(f"  {done:>6} invoices paid, {time.perf_counter() - start:8.1f} s", flush=True)


class Step:
    """Times one step: wall time and SQL queries, caches cleared first."""

    def __init__(self, env):
        self.env = env

    def run(self, function):
        self.env.invalidate_all()
        self.env.registry.clear_cache()
        before = self.env.cr.sql_log_count
        start = time.perf_counter()
        result = function()
        self.env.flush_all()
        return result, time.perf_counter() - start, self.env.cr.sql_log_count - before


def measure(env, repeat):
    Report = env["credit.receivable.report"]
    company = env.company
    step = Step(env)
    rows = []

    def timed(label, function, describe):
        runs = [step.run(function) for __ in range(repeat)]
        result, cold, cold_queries = runs[0]
        warm = statistics.median(run[1] for run in runs[1:]) if len(runs) > 1 else cold
        rows.append((label, cold, warm, cold_queries, runs[-1][2], describe(result)))
        return result

    # what the pivot view asks at opening (four requests sent together): the
    # table, the rows' and the columns' totals, the grand total
    pivot_reads = {
        "customers x ages": ["partner_id", "aging_bucket"],
        "customers": ["partner_id"],
        "ages": ["aging_bucket"],
        "total": [],
    }
    for name, groupby in pivot_reads.items():
        timed(
            f"analysis: pivot read, {name}",
            lambda groupby=groupby: Report.read_group(
                [], ["amount_residual:sum"], groupby, lazy=False
            ),
            lambda groups: f"{len(groups)} groups, {sum(g['__count'] for g in groups)} items",
        )
    timed(
        "analysis: SQL of the customers x ages read",
        lambda: Report._read_group([], ["partner_id", "aging_bucket"], ["amount_residual:sum"]),
        lambda groups: f"{len(groups)} groups",
    )
    timed(
        "analysis: graph salespeople x ages",
        lambda: Report.read_group(
            [], ["amount_residual:sum"], ["user_id", "aging_bucket"], lazy=False
        ),
        lambda groups: f"{len(groups)} bars",
    )
    at_date = fields.Date.context_today(Report) - timedelta(days=30)
    timed(
        "aged balance at a date: _credit_aged_balance",
        lambda: company._credit_aged_balance(at_date),
        lambda data: f"{len(data)} customers, total {sum(map(sum, data.values())):,.2f}",
    )
    wizard = env["credit.aged.balance.wizard"].create({"date": at_date})
    timed(
        "aged balance at a date: XLSX",
        wizard._aged_balance_xlsx,
        lambda data: f"{len(data) // 1024} KiB",
    )
    report = env["ir.actions.report"]
    timed(
        "aged balance at a date: PDF's HTML (server)",
        lambda: report._render_qweb_html("credit_management.report_aged_balance", wizard.ids)[0],
        lambda html: f"{len(html) // 1024} KiB of HTML",
    )
    if report.get_wkhtmltopdf_state() == "ok":
        timed(
            "aged balance at a date: PDF (HTML + wkhtmltopdf)",
            lambda: report.with_context(force_report_rendering=True)._render_qweb_pdf(
                "credit_management.report_aged_balance", wizard.ids
            )[0],
            lambda pdf: f"{pdf.count(b'/Type /Page') - pdf.count(b'/Type /Pages')} pages",
        )
    # the same documents for ten customers: the number of queries does not move
    few = env["credit.aged.balance.wizard"].create(
        {"date": at_date, "partner_ids": [(6, 0, list(company._credit_aged_balance(at_date))[:10])]}
    )
    timed(
        "aged balance, 10 customers: XLSX",
        few._aged_balance_xlsx,
        lambda data: f"{len(data) // 1024} KiB",
    )
    timed(
        "aged balance, 10 customers: PDF's HTML (server)",
        lambda: report._render_qweb_html("credit_management.report_aged_balance", few.ids)[0],
        lambda html: f"{len(html) // 1024} KiB of HTML",
    )
    timed(
        "DSO series, 12 months",
        lambda: company._credit_dso_series(12),
        lambda series: f"DSO today {series[-1]['dso']}, 12 points",
    )
    Dso = env["credit.dso.report"].with_context(allowed_company_ids=company.ids)
    timed(
        "dashboard: DSO trend read (credit.dso.report)",
        lambda: Dso.read_group([], ["dso:avg"], ["date:month"], lazy=False),
        lambda groups: f"{len(groups)} months",
    )
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--addons-path")
    parser.add_argument("--pay", type=int, default=0, help="pay this many invoices first")
    parser.add_argument("--measure", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if not (args.pay or args.measure):
        parser.error("give --pay N and/or --measure")
    config.parse_config(
        ["-d", args.db] + ([f"--addons-path={args.addons_path}"] if args.addons_path else [])
    )
    registry = odoo.modules.registry.Registry(args.db)
    if "credit.receivable.report" not in registry:
        sys.exit(f"credit_management (with its analytics) is not installed in {args.db}")
    if args.pay:
        with registry.cursor() as cr:
            pay_invoices(new_env(cr), args.pay, args.seed)
    if not args.measure:
        return
    vacuum(args.db)
    with registry.cursor() as cr:
        env = new_env(cr)
        cr.execute(
            """
            SELECT count(*), count(DISTINCT aml.partner_id)
              FROM account_move_line aml
              JOIN account_account account ON account.id = aml.account_id
             WHERE account.account_type = 'asset_receivable' AND aml.parent_state = 'posted'
            """
        )
        items, customers = cr.fetchone()
        cr.execute("SELECT count(*) FROM account_partial_reconcile")
        partials = cr.fetchone()[0]
        print(
            f"book: {items} receivable items of {customers} customers, {partials} reconciliations"
        )
        rows = measure(env, args.repeat)
        cr.rollback()
    print(f"\n{'step':<50}{'cold ms':>9}{'warm ms':>9}{'queries':>9}  computed")
    for label, cold, warm, cold_queries, queries, described in rows:
        counts = f"{cold_queries}/{queries}" if cold_queries != queries else str(queries)
        print(f"{label:<50}{cold * 1000:>9.0f}{warm * 1000:>9.0f}{counts:>9}  {described}")


if __name__ == "__main__":
    main()
