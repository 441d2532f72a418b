#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Cost of the credit hold check of credit_management_stock when a delivery is
validated, as the customer's history grows.

Builds, inside a transaction that is rolled back at the end, one customer with
N delivered orders, then validates new deliveries of one line: with the
bridge's check, and as plain Odoo (the check answering "not held" without
reading anything), alternately. Prints the SQL queries and wall time of each;
the difference must stay a couple of queries, whatever N.

Usage (a database where credit_management_stock is installed, e.g. the demo one):
    python3 benchmarks/delivery_hold_benchmark.py --db credit_management_demo \\
        --addons-path <odoo addons path incl. credit_management and addons/> --sizes 10,100,500
"""

import argparse
import statistics
from unittest.mock import patch

# run as a script: its folder is on the path (queries and time, caches cold)
from credit_check_benchmark import timed

import odoo
from odoo import Command, api
from odoo.tools import config


def new_delivery(env, partner, product, warehouse):
    order = env["sale.order"].create(
        {
            "partner_id": partner.id,
            "warehouse_id": warehouse.id,
            "order_line": [Command.create({"product_id": product.id, "product_uom_qty": 1.0})],
        }
    )
    order.action_confirm()
    return order.picking_ids


def validate(picking, plain):
    """Validate ``picking``; ``plain``: as plain Odoo, the check answering
    "not held" without reading anything."""
    if plain:
        with patch.object(type(picking), "_credit_hold_reasons", return_value={}):
            picking.button_validate()
    else:
        picking.button_validate()
    assert picking.state == "done", picking.state


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--addons-path")
    parser.add_argument("--sizes", default="10,100,500")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    config.parse_config(
        ["-d", args.db] + ([f"--addons-path={args.addons_path}"] if args.addons_path else [])
    )
    registry = odoo.modules.registry.Registry(args.db)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        env.company.credit_hold_deliveries = True
        warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
        product = env["product.product"].create(
            {"name": "Benchmark goods", "type": "consu", "is_storable": True, "list_price": 1.0}
        )
        env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 1e6)
        partner = env["res.partner"].create({"name": "Benchmark customer", "is_company": True})
        print(
            f"{'deliveries':>10} {'check q':>8} {'plain q':>8} {'extra q':>8} "
            f"{'check ms':>9} {'plain ms':>9}"
        )
        done = 0
        for size in (int(s) for s in args.sizes.split(",")):
            for __ in range(size - done):
                new_delivery(env, partner, product, warehouse).button_validate()
            done = size
            checked, plain = [], []
            for run in range(args.runs + 1):  # the first one warms the caches
                for results, is_plain in ((checked, False), (plain, True)):
                    picking = new_delivery(env, partner, product, warehouse)
                    result = timed(env, lambda p, is_plain=is_plain: validate(p, is_plain), picking)
                    if run:
                        results.append(result)
                done += 2
            check_q = statistics.median(q for q, __ in checked)
            plain_q = statistics.median(q for q, __ in plain)
            print(
                f"{size:>10} {check_q:>8.0f} {plain_q:>8.0f} {check_q - plain_q:>8.0f} "
                f"{statistics.median(t for __, t in checked) * 1000:>9.1f} "
                f"{statistics.median(t for __, t in plain) * 1000:>9.1f}"
            )
        cr.rollback()


if __name__ == "__main__":
    main()
