#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Cost of one customer's credit check as its history grows.

Builds, inside a transaction that is rolled back at the end, one customer
with N posted invoices, N/2 draft invoices and N/10 confirmed orders, then
measures the exposure computation, the confirmation check of a new order, and
the whole confirmation of a new order against plain Odoo's on the same
database (Odoo's own ``action_confirm``, without the credit check): SQL
queries, wall time. The query counts must not grow with N.

Usage (a database where credit_management is installed, e.g. the demo one):
    python3 benchmarks/credit_check_benchmark.py --db credit_management_demo \\
        --addons-path <odoo addons path incl. credit_management> --sizes 10,100,1000
"""

import argparse
import time
from importlib import import_module

import odoo
from odoo import Command, api
from odoo.tools import config


def build_book(env, partner, product, count):
    journal = env["account.journal"].search(
        [("type", "=", "sale"), ("company_id", "=", env.company.id)], limit=1
    )
    line = {"name": "Service", "quantity": 1, "price_unit": 10.0, "tax_ids": []}
    moves = env["account.move"].create(
        [
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "journal_id": journal.id,
                "invoice_line_ids": [Command.create(line)],
            }
            for __ in range(count + count // 2)
        ]
    )
    moves[:count].action_post()
    orders = env["sale.order"].create(
        [
            {
                "partner_id": partner.id,
                "order_line": [Command.create({"product_id": product.id, "price_unit": 10.0})],
            }
            for __ in range(max(count // 10, 1))
        ]
    )
    orders.action_confirm()


def measure(env, partner, product):
    def new_order():
        return env["sale.order"].create(
            {"partner_id": partner.id, "order_line": [Command.create({"product_id": product.id})]}
        )

    odoo_confirm = import_module("odoo.addons.sale.models.sale_order").SaleOrder.action_confirm
    checked_key = import_module("odoo.addons.credit_management.models.sale_order").CHECKED_KEY

    def plain_confirm(order):
        # Odoo's own confirmation; its state write is marked as checked, so
        # that the addon's write guard does not run the check either
        env.cr.cache.setdefault(checked_key, set()).update(order.ids)
        return odoo_confirm(order)

    results = {}
    for label, run in (
        ("exposure", lambda order: partner.read(["credit_exposure"])),
        ("check", lambda order: order._credit_blocking_reasons()),
        ("odoo confirm", plain_confirm),
        ("confirm", lambda order: order.action_confirm()),
    ):
        run(new_order())  # warm the ORM caches
        results[label] = timed(env, run, new_order())
    return results


def timed(env, run, order):
    """(queries, seconds) of ``run(order)``, its writes flushed, caches cold."""
    env.flush_all()
    env.invalidate_all()
    queries = env.cr.sql_log_count
    start = time.perf_counter()
    run(order)
    env.flush_all()
    return env.cr.sql_log_count - queries, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--addons-path")
    parser.add_argument("--sizes", default="10,100,1000")
    args = parser.parse_args()
    config.parse_config(
        ["-d", args.db] + ([f"--addons-path={args.addons_path}"] if args.addons_path else [])
    )
    registry = odoo.modules.registry.Registry(args.db)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        env.company.account_use_credit_limit = True
        product = env["product.product"].create(
            {"name": "Benchmark service", "type": "service", "list_price": 10.0, "taxes_id": []}
        )
        columns = ("exposure", "check", "odoo confirm", "confirm")
        print(f"{'invoices':>9} " + " ".join(f"{c + ' q':>15} {'ms':>7}" for c in columns))
        for size in (int(s) for s in args.sizes.split(",")):
            partner = env["res.partner"].create(
                {"name": f"Benchmark {size}", "is_company": True, "credit_limit": 1e9}
            )
            build_book(env, partner, product, size)
            res = measure(env, partner, product)
            print(
                f"{size:>9} "
                + " ".join(f"{res[c][0]:>15} {res[c][1] * 1000:>7.1f}" for c in columns)
            )
            extra = res["confirm"][0] - res["odoo confirm"][0]
            print(f"{'':>9} confirmation: {extra} queries more than plain Odoo")
        cr.rollback()


if __name__ == "__main__":
    main()
