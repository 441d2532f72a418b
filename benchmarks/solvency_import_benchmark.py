#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Cost of the preview and the import of a large solvency file.

Builds, inside a transaction that is rolled back at the end, N customers
(a third found by VAT number, a third by SIREN while they are registered with
their SIRET, a third by internal reference; one in ten with a contact), writes
an .xlsx file of N rows with openpyxl (rating, score, recommended limit,
insured amount, insurer, expiry; a few insolvent ratings), then times the
preview (a few times in a row) and the import of the wizard as a credit
manager would click them (the import in the foreground, whatever the size):
SQL queries, wall time and this process's CPU time.

Usage (a database where credit_management is installed):
    python3 benchmarks/solvency_import_benchmark.py --db credit_management_demo \\
        --addons-path <odoo addons path incl. credit_management> --rows 20000
"""

import argparse
import base64
import datetime
import io
import time

import openpyxl

import odoo
from odoo import Command, api
from odoo.tools import config

HEADERS = ("VAT", "SIREN", "Reference", "Rating", "Score", "Limit", "Insured", "Insurer", "Expiry")
RATINGS = ("A", "B", "C", "D", "E")


def siren(index):
    """A valid SIREN (Luhn check digit) for a customer number."""
    body = f"{100000000 + index * 7:09d}"[:8]
    for digit in "0123456789":
        number = body + digit
        total = sum(
            (d * 2 - 9 if d * 2 > 9 else d * 2) if position % 2 else d
            for position, d in enumerate(int(c) for c in reversed(number))
        )
        if total % 10 == 0:
            return number
    raise AssertionError(body)


def build_customers(env, count):
    """``count`` customers and their keys in the file, in order."""
    vals, keys = [], []
    for index in range(count):
        number = siren(index)
        kind = index % 3
        partner = {"name": f"Benchmark customer {index}", "is_company": True}
        if kind == 0:
            partner["vat"] = f"FR{(12 + 3 * (int(number) % 97)) % 97:02d}{number}"
            keys.append((partner["vat"], None, None))
        elif kind == 1:
            partner["company_registry"] = f"{number}00012"
            keys.append((None, number, None))
        else:
            partner["ref"] = f"BENCH-{index:06d}"
            keys.append((None, None, partner["ref"].lower()))
        if index % 10 == 0:
            partner["child_ids"] = [Command.create({"name": f"Contact {index}"})]
        vals.append(partner)
    env["res.partner"].create(vals)
    return keys


def make_file(keys):
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Ratings")
    sheet.append(HEADERS)
    expiry = datetime.date(2027, 6, 30)
    for index, (vat, number, ref) in enumerate(keys):
        rating = "insolvent" if index % 500 == 0 else RATINGS[index % len(RATINGS)]
        limit = f"{10000 + index:,}".replace(",", " ")  # amounts written as text
        sheet.append([vat, number, ref, rating, index % 101, limit, 5000 + index, "Coface", expiry])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def timed(env, run):
    """(queries, "wall seconds (Python CPU seconds)", result) of ``run()``, its
    writes flushed, caches cold. The CPU time of this process is steadier than
    the wall time on a busy machine (it leaves out PostgreSQL's)."""
    env.flush_all()
    env.invalidate_all()
    queries = env.cr.sql_log_count
    start, cpu = time.perf_counter(), time.process_time()
    result = run()
    env.flush_all()
    seconds = f"{time.perf_counter() - start:.2f} s ({time.process_time() - cpu:.2f} s CPU)"
    return env.cr.sql_log_count - queries, seconds, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--addons-path")
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument(
        "--previews", type=int, default=3, help="previews in a row (a busy machine varies)"
    )
    args = parser.parse_args()
    config.parse_config(
        ["-d", args.db] + ([f"--addons-path={args.addons_path}"] if args.addons_path else [])
    )
    registry = odoo.modules.registry.Registry(args.db)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        user = env.ref("base.user_admin")
        user.groups_id = [Command.link(env.ref("credit_management.group_credit_manager").id)]
        env["ir.config_parameter"].set_param(
            "credit_management.solvency_import_background_rows", args.rows + 1
        )
        start = time.perf_counter()
        keys = build_customers(env, args.rows)
        content = make_file(keys)
        env.flush_all()
        print(
            f"{args.rows} customers and an .xlsx of {len(content) // 1024} KiB built in "
            f"{time.perf_counter() - start:.1f} s (rolled back at the end)"
        )
        env = env(user=user)
        wizard = env["credit.solvency.import.wizard"].create(
            {
                "source_name": "Benchmark insurer",
                "file": base64.b64encode(content),
                "filename": "benchmark.xlsx",
                "vat_column": "VAT",
                "registry_column": "SIREN",
                "ref_column": "Reference",
                "rating_column": "Rating",
                "score_column": "Score",
                "recommended_limit_column": "Limit",
                "insured_limit_column": "Insured",
                "insurer_column": "Insurer",
                "expiry_column": "Expiry",
            }
        )
        for __ in range(max(args.previews, 1)):
            wizard.action_back()
            queries, seconds, __ = timed(env, wizard.action_preview)
            counts = (wizard.change_count, wizard.unchanged_count, wizard.error_count)
            print(
                f"preview: {args.rows} rows read, matched and shown "
                f"({counts[0]} to update, {counts[1]} unchanged, {counts[2]} errors): "
                f"{queries} queries, {seconds}"
            )
        queries, seconds, action = timed(env, wizard.action_import)
        checks = env["credit.solvency.check"].search_count([("trigger", "=", "import")])
        held = env["res.partner"].search_count([("credit_hold_origin", "=", "insolvency")])
        print(
            f"import: {checks} checks recorded, customers and contacts written and tracked, "
            f"{held} put on hold: {queries} queries, {seconds}"
        )
        print(f"  {action['params']['message']}")
        cr.rollback()


if __name__ == "__main__":
    main()
