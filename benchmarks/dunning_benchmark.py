#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Cost of the automatic dunning run on a realistic book of customers.

``--build`` creates the book once and commits it: customers with an email, an
invoice address for one customer in four, and posted customer invoices whose due
dates put the customers on various levels (some not yet due, most 5-90 days
late). The builder only needs ``account``: it also builds the same book in a
database where OCA's ``account_credit_control`` is installed instead of
``credit_management``.

``--measure`` vacuums the database (as autovacuum keeps a live one: each measure
leaves the dead rows of its rollback), then runs the daily cron
(``credit.dunning.run._cron_dunning``) inside a transaction that is rolled back at
the end (its per-batch commits are turned into
flushes), so that it can be repeated; mails are only queued. It prints the
customers, invoices, reminders, wall time, SQL queries, peak memory and the time
per customer; ``--profile`` adds the cProfile top functions by cumulative time,
``--queries`` the most frequent SQL query shapes with their callers, ``--phases``
the time spent in each step of the run (a step includes the SQL it flushes). Emails are
rendered without their PDF attachments unless ``--with-pdf`` (wkhtmltopdf's time,
about 1.5 s a letter here). ``--oca-db`` runs the
equivalent OCA ``account_credit_control`` processing on another database built
the same way (levels at 5/15/30/60 days, email channel) and prints both.

Usage:
    python3 benchmarks/dunning_benchmark.py --db bench_dunning --addons-path <path> \\
        --build --customers 2000 --invoices 20000
    python3 benchmarks/dunning_benchmark.py --db bench_dunning --addons-path <path> \\
        --measure [--profile] [--queries] [--phases] [--oca-db bench_oca]
"""

import argparse
import cProfile
import io
import pstats
import random
import re
import resource
import sys
import time
from collections import defaultdict
from datetime import timedelta

import psycopg2

import odoo
from odoo import Command, api, fields
from odoo.tools import config

# Share of customers by how late their most overdue invoice is (days after due
# date, inclusive bounds): the rest of their invoices are due before it.
LATENESS_PROFILE = [
    (0.05, (-40, -10)),  # nothing to remind yet
    (0.10, (-5, -1)),  # courtesy reminder before the due date
    (0.20, (5, 14)),
    (0.25, (15, 29)),
    (0.25, (30, 59)),
    (0.15, (60, 90)),
]
OCA_LEVELS = [(1, 5, "First reminder"), (2, 15, "Second reminder"), (3, 30, "Formal notice")]
OCA_LEVELS.append((4, 60, "Hand-over to collection"))


def new_env(cr, context=None):
    return api.Environment(cr, odoo.SUPERUSER_ID, dict(context or {}))


def max_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


# ---------------------------------------------------------------------------
# Book builder (needs only the ``account`` module)
# ---------------------------------------------------------------------------


def ensure_chart(env):
    company = env.company
    journal = env["account.journal"].search(
        [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
    )
    if not journal:
        env["account.chart.template"].try_loading("generic_coa", company=company)
        env.cr.commit()
        journal = env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
        )
    return journal


def build_book(env, customers, invoices, batch_size, seed):
    """Create the customers and their posted invoices; commit every batch."""
    rng = random.Random(seed)
    start = time.perf_counter()
    journal = ensure_chart(env)
    company = env.company
    today = fields.Date.context_today(env["res.partner"])
    tag = f"DUN{int(time.time())}"
    partners = env["res.partner"]
    for first in range(0, customers, batch_size):
        vals_list = []
        for index in range(first, min(first + batch_size, customers)):
            vals = {
                "name": f"{tag} Customer {index:05d}",
                "is_company": True,
                "email": f"customer{index}@bench.example.com",
                "company_id": False,
            }
            if index % 4 == 0:
                vals["child_ids"] = [
                    Command.create(
                        {
                            "name": f"Accounts payable {index:05d}",
                            "type": "invoice",
                            "email": f"ap{index}@bench.example.com",
                        }
                    )
                ]
            vals_list.append(vals)
        partners |= env["res.partner"].create(vals_list)
        env.cr.commit()
    partner_time = time.perf_counter() - start

    # due dates: the invoices of a customer are spread before its most late one
    weights = [share for share, __ in LATENESS_PROFILE]
    plans = []
    per_customer = [invoices // customers] * customers
    for index in range(invoices - sum(per_customer)):
        per_customer[index] += 1
    for partner, count in zip(partners, per_customer, strict=True):
        __, (low, high) = rng.choices(LATENESS_PROFILE, weights)[0]
        lateness = rng.randint(low, high)
        for __ in range(count):
            plans.append((partner.id, lateness, rng.randint(50, 5000)))
            lateness -= rng.randint(1, 8)
    rng.shuffle(plans)

    invoice_start = time.perf_counter()
    posted = sequence = 0
    for first in range(0, len(plans), batch_size):
        vals_list = []
        for partner_id, lateness, amount in plans[first : first + batch_size]:
            date_due = today - timedelta(days=lateness)
            invoice_date = date_due - timedelta(days=30)
            sequence += 1
            vals_list.append(
                {
                    # a name set in advance spares the sequence lookups at posting
                    "name": f"{tag}/{invoice_date.year}/{sequence:06d}",
                    "move_type": "out_invoice",
                    "partner_id": partner_id,
                    "journal_id": journal.id,
                    "company_id": company.id,
                    "invoice_date": invoice_date,
                    "invoice_date_due": date_due,
                    "invoice_payment_term_id": False,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Services",
                                "quantity": 1,
                                "price_unit": float(amount),
                                "tax_ids": [],
                            }
                        )
                    ],
                }
            )
        moves = env["account.move"].create(vals_list)
        moves.action_post()
        env.cr.commit()
        env.invalidate_all()
        posted += len(moves)
        elapsed = time.perf_counter() - invoice_start
        print(f"  {posted:>7} invoices posted, {elapsed:8.1f} s", flush=True)
    total = time.perf_counter() - start
    print()
    print(f"{'customers created':<28}{len(partners):>12}")
    print(f"{'invoices created and posted':<28}{posted:>12}")
    print(f"{'customers build time':<28}{partner_time:>11.1f}s")
    print(f"{'invoices build time':<28}{total - partner_time:>11.1f}s")
    print(f"{'invoices per second':<28}{posted / (total - partner_time):>12.1f}")
    print(f"{'total build time':<28}{total:>11.1f}s")


# ---------------------------------------------------------------------------
# Measure helpers
# ---------------------------------------------------------------------------


class Probe:
    """Rolls the measured transaction back, and counts what it costs."""

    def __init__(self, cr, profile=False, queries=False, profile_out=None):
        self.cr = cr
        self.profile_out = profile_out
        self.profile = cProfile.Profile() if profile else None
        self.shapes = defaultdict(lambda: [0, 0.0, defaultdict(int)]) if queries else None
        self.commits = 0

    def __enter__(self):
        cr = self.cr
        self._commit, self._execute = cr.commit, cr.execute

        def fake_commit():
            # a batch commit of the cron becomes a flush: all is rolled back at
            # the end; the cache is cleared as by a real commit (as TestCursor)
            self.commits += 1
            cr.flush()
            cr.clear()
            cr.postcommit.clear()

        def execute(query, params=None, log_exceptions=True):
            code = query.code if isinstance(query, odoo.tools.SQL) else query
            shape = re.sub(r"\s+", " ", str(code)).strip()[:110]
            begin = time.perf_counter()
            try:
                return self._execute(query, params, log_exceptions)
            finally:
                stats = self.shapes[shape]
                stats[0] += 1
                stats[1] += time.perf_counter() - begin
                stats[2][caller()] += 1

        cr.commit = fake_commit
        if self.shapes is not None:
            cr.execute = execute
        self.queries = cr.sql_log_count
        self.rss = max_rss_mb()
        self.start = time.perf_counter()
        if self.profile:
            self.profile.enable()
        return self

    def __exit__(self, *exc):
        if self.profile:
            self.profile.disable()
        self.wall = time.perf_counter() - self.start
        self.query_count = self.cr.sql_log_count - self.queries
        self.peak_rss = max_rss_mb()
        del self.cr.commit
        if self.shapes is not None:
            del self.cr.execute
        return False

    def print_details(self, title, top=15):
        if self.profile:
            print(f"\n--- {title}: cProfile, top {top} by cumulative time ---")
            stream = io.StringIO()
            stats = pstats.Stats(self.profile, stream=stream)
            if self.profile_out:
                stats.dump_stats(f"{self.profile_out}.{title.split()[0]}.pstats")
            stats.sort_stats("cumulative").print_stats(top)
            print(stream.getvalue())
            stream = io.StringIO()
            stats.stream = stream
            stats.sort_stats("tottime").print_stats(top)
            print(f"--- {title}: cProfile, top {top} by own time ---")
            print(stream.getvalue())
        if self.shapes:
            print(f"\n--- {title}: most frequent SQL query shapes ---")
            print(f"{'count':>8} {'seconds':>8}  query / main caller (addon frame <- module frame)")
            ranked = sorted(self.shapes.items(), key=lambda item: -item[1][0])
            for shape, (count, seconds, callers) in ranked[:top]:
                where = max(callers, key=callers.get)
                print(f"{count:>8} {seconds:>8.2f}  {shape}\n{'':>19}{where}")


# steps of credit_management's run timed by --phases (nested steps are included
# in their caller's time)
PHASES = {
    "credit.dunning.run": [
        "_dunning_candidates",
        "_dunning_prepare",
        "_dunning_create_communications",
    ],
    "credit.dunning.communication": [
        "_dunning_line_rows",
        "_dunning_update_invoice_levels",
        "_dunning_update_partner_levels",
        "_dunning_suspend_and_hand_over",
        "_dunning_summaries",
        "_dunning_send_emails",
        "_dunning_log",
        "_dunning_schedule_calls",
    ],
}


class PhaseTimer:
    """Wall time spent in each step of the run (methods wrapped while measuring)."""

    def __init__(self, env, enabled):
        self.env = env
        self.enabled = enabled
        self.totals = defaultdict(float)
        self.patched = []

    def __enter__(self):
        if not self.enabled:
            return self
        for model, names in PHASES.items():
            cls = type(self.env[model])
            for name in names:
                original = getattr(cls, name, None)
                if original is not None:
                    self.patched.append((cls, name, original))
                    setattr(cls, name, self._timed(f"{model}.{name}", original))
        return self

    def _timed(self, label, original):
        totals = self.totals

        def timed(*args, **kwargs):
            begin = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                totals[label] += time.perf_counter() - begin

        return timed

    def __exit__(self, *exc):
        for cls, name, original in self.patched:
            setattr(cls, name, original)
        return False

    def print_details(self):
        if not self.enabled:
            return
        print("\n--- credit_management: time per step (s) ---")
        for model, names in PHASES.items():
            for name in names:
                label = f"{model}.{name}"
                if label in self.totals:
                    print(f"{label:<62}{self.totals[label]:>8.3f}")


ORM_FILES = ("/odoo/models.py", "/odoo/fields.py", "/odoo/api.py", "/odoo/sql_db.py")
MODULES = ("credit_management", "account_credit_control")


def caller():
    """Innermost addon frame outside the ORM, and innermost frame of the module measured."""
    frame, addon, module = sys._getframe(2), None, None
    while frame and not module:
        path = frame.f_code.co_filename
        measured = next((name for name in MODULES if f"/{name}/" in path), None)
        short = f"{measured}/{path.split(f'/{measured}/', 1)[1]}" if measured else path
        where = f"{short.rsplit('/addons/', 1)[-1]}:{frame.f_lineno} {frame.f_code.co_name}"
        if addon is None and (measured or "/addons/" in path) and not path.endswith(ORM_FILES):
            addon = where
        if measured:
            module = where
        frame = frame.f_back
    return f"{addon} <- {module}" if addon != module else str(addon)


def set_pdf(env, model, with_pdf):
    """Without ``--with-pdf``, reminders are emailed without their PDF attachment
    (rolled back): rendering is wkhtmltopdf's time, not the run's."""
    if not with_pdf:
        env["mail.template"].search([("model", "=", model)]).report_template_ids = False


def vacuum(dbname):
    """VACUUM ANALYZE the database before measuring, as autovacuum keeps a live
    one: a measured run is rolled back and leaves dead rows behind it, which
    would slow the next measure down (on both modules alike)."""
    connection = psycopg2.connect(**odoo.sql_db.connection_info_for(dbname)[1])
    try:
        connection.autocommit = True
        with connection.cursor() as cr:
            cr.execute("VACUUM ANALYZE")
    finally:
        connection.close()


def table_count(env, table, where="TRUE"):
    env.flush_all()
    env.cr.execute(f"SELECT count(*) FROM {table} WHERE {where}")
    return env.cr.fetchone()[0]


def book_figures(env):
    env.cr.execute(
        """
        SELECT count(DISTINCT commercial_partner_id), count(*),
               count(*) FILTER (WHERE invoice_date_due < CURRENT_DATE)
          FROM account_move
         WHERE move_type = 'out_invoice' AND state = 'posted'
           AND payment_state IN ('not_paid', 'partial') AND company_id = %s
        """,
        [env.company.id],
    )
    return env.cr.fetchone()


def snapshot(env, tables):
    return {table: table_count(env, table) for table in tables}


MAIL_TABLES = ("mail_mail", "mail_message", "mail_tracking_value", "mail_activity")


def cost_figures(probe, reminders, lines, reminded, before, after):
    """What a measured run cost, the same way for both modules."""
    return [
        ("wall time (s)", probe.wall),
        ("SQL queries", probe.query_count),
        ("SQL queries per reminder", probe.query_count / max(reminders, 1)),
        ("SQL queries per invoice line", probe.query_count / max(lines, 1)),
        ("time per reminded customer (ms)", 1000 * probe.wall / max(reminded, 1)),
        ("peak RSS before run (MB)", probe.rss),
        ("peak RSS after run (MB)", probe.peak_rss),
    ] + [(f"{table} rows created", after[table] - before[table]) for table in MAIL_TABLES]


def print_result(title, figures):
    print(f"\n=== {title} ===")
    for label, value in figures:
        if isinstance(value, float):
            print(f"{label:<34}{value:>14.3f}")
        else:
            print(f"{label:<34}{value!s:>14}")


# ---------------------------------------------------------------------------
# credit_management
# ---------------------------------------------------------------------------


def measure_credit_management(registry, args):
    vacuum(registry.db_name)
    with registry.cursor() as cr:
        env = new_env(cr, {"mail_notify_force_send": False})
        if "credit.dunning.run" not in env:
            raise SystemExit(f"credit_management is not installed in {cr.dbname}")
        customers, invoices, overdue = book_figures(env)
        before = snapshot(env, MAIL_TABLES)
        set_pdf(env, "credit.dunning.communication", args.with_pdf)
        env.cr.execute("SELECT coalesce(max(id), 0) FROM credit_dunning_communication")
        last_id = env.cr.fetchone()[0]
        env.invalidate_all()
        phases = PhaseTimer(env, args.phases)
        with phases, Probe(cr, args.profile, args.queries, args.profile_out) as probe:
            env["credit.dunning.run"].with_context(mail_notify_force_send=False)._cron_dunning(
                **({"batch_size": args.batch_size} if args.batch_size else {})
            )
            env.flush_all()
        after = snapshot(env, MAIL_TABLES)
        communications = env["credit.dunning.communication"].search([("id", ">", last_id)])
        lines = len(communications.line_ids)
        reminded = len(communications.partner_id)
        by_level = defaultdict(int)
        for communication in communications:
            by_level[communication.level_id.name] += 1
        held = env["res.partner"].search_count([("credit_hold", "=", True)])
        figures = [
            ("customers with open invoices", customers),
            ("open posted invoices", invoices),
            ("  of which past due", overdue),
            ("customers reminded", reminded),
            ("reminders created", len(communications)),
            ("reminder lines (invoices)", lines),
        ]
        figures += [(f"  at {name}", count) for name, count in sorted(by_level.items())]
        figures += [
            ("customers on credit hold", held),
            ("PDF attachments rendered", "yes" if args.with_pdf else "no"),
            ("batches (commits)", probe.commits),
        ]
        figures += cost_figures(probe, len(communications), lines, reminded, before, after)
        print_result(f"credit_management _cron_dunning on {cr.dbname}", figures)
        probe.print_details("credit_management", args.top)
        phases.print_details()
        cr.rollback()
    return probe, len(communications), lines, reminded


# ---------------------------------------------------------------------------
# OCA account_credit_control
# ---------------------------------------------------------------------------


def oca_policy(env):
    template = env.ref("account_credit_control.email_template_credit_control_base")
    receivable = env["account.account"].search(
        [("account_type", "=", "asset_receivable"), ("company_ids", "in", env.company.ids)]
    )
    policy = env["credit.control.policy"].create(
        {
            "name": "Benchmark policy",
            "account_ids": [Command.set(receivable.ids)],
            "company_id": env.company.id,
            "level_ids": [
                Command.create(
                    {
                        "name": name,
                        "level": level,
                        "computation_mode": "net_days",
                        "delay_days": days,
                        "email_template_id": template.id,
                        "channel": "email",
                        "custom_text": name,
                        "custom_mail_text": f"<p>{name}</p>",
                        "mail_show_invoice_detail": True,
                    }
                )
                for level, days, name in OCA_LEVELS
            ],
        }
    )
    env.company.credit_policy_id = policy
    return policy


def measure_oca(registry, args):
    vacuum(registry.db_name)
    with registry.cursor() as cr:
        env = new_env(cr, {"mail_notify_force_send": False})
        if "credit.control.run" not in env:
            return None, "module account_credit_control is not installed in " + cr.dbname
        customers, invoices, overdue = book_figures(env)
        policy = oca_policy(env)
        set_pdf(env, "credit.control.communication", args.with_pdf)
        before = snapshot(env, MAIL_TABLES)
        env.flush_all()
        env.invalidate_all()
        steps = {}
        with Probe(cr, args.profile, args.queries, args.profile_out) as probe:
            begin = time.perf_counter()
            run = env["credit.control.run"].create(
                {"date": fields.Date.context_today(policy), "policy_ids": [Command.set(policy.ids)]}
            )
            run.generate_credit_lines()
            env.flush_all()
            steps["generate_credit_lines (s)"] = time.perf_counter() - begin
            begin = time.perf_counter()
            run.set_to_ready_lines()
            run.run_channel_action()
            env.flush_all()
            steps["communications + emails (s)"] = time.perf_counter() - begin
        after = snapshot(env, MAIL_TABLES)
        lines = run.line_ids
        communications = lines.communication_id
        reminded = len(communications.partner_id)
        figures = [
            ("customers with open invoices", customers),
            ("open posted invoices", invoices),
            ("  of which past due", overdue),
            ("customers reminded", reminded),
            ("communications created", len(communications)),
            ("credit control lines", len(lines)),
        ]
        by_level = defaultdict(int)
        for communication in communications:
            by_level[communication.policy_level_id.name] += 1
        figures += [(f"  at {name}", count) for name, count in sorted(by_level.items())]
        figures += [("PDF attachments rendered", "yes" if args.with_pdf else "no")]
        figures += list(steps.items())
        figures += cost_figures(probe, len(communications), len(lines), reminded, before, after)
        print_result(f"OCA account_credit_control on {cr.dbname}", figures)
        probe.print_details("OCA account_credit_control", args.top)
        cr.rollback()
    return (probe, len(communications), len(lines), reminded), None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--addons-path")
    parser.add_argument("--build", action="store_true", help="create the book and commit it")
    parser.add_argument("--measure", action="store_true", help="time the dunning cron")
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--invoices", type=int, default=20000)
    parser.add_argument("--build-batch", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--batch-size", type=int, help="customers per cron batch")
    parser.add_argument("--profile", action="store_true", help="print cProfile hot spots")
    parser.add_argument("--profile-out", help="also save the profiles as <this>.<module>.pstats")
    parser.add_argument("--queries", action="store_true", help="print SQL query shapes")
    parser.add_argument("--phases", action="store_true", help="print the time of each step")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument(
        "--with-pdf", action="store_true", help="render the PDF attached to some emails"
    )
    parser.add_argument("--oca-db", help="database with OCA account_credit_control")
    args = parser.parse_args()
    if not (args.build or args.measure):
        parser.error("give --build and/or --measure")
    config.parse_config(
        ["-d", args.db] + ([f"--addons-path={args.addons_path}"] if args.addons_path else [])
    )
    registry = odoo.modules.registry.Registry(args.db)
    if args.build:
        with registry.cursor() as cr:
            # the book needs no chatter: no creation message, no tracking
            env = new_env(cr, {"tracking_disable": True, "mail_create_nolog": True})
            build_book(env, args.customers, args.invoices, args.build_batch, args.seed)
    if not args.measure:
        return
    ours = None
    if "credit.dunning.run" in registry:
        ours = measure_credit_management(registry, args)
    else:
        print(f"credit_management is not installed in {args.db}: not measured")
    if not args.oca_db:
        return
    try:
        oca, reason = measure_oca(odoo.modules.registry.Registry(args.oca_db), args)
    except Exception as error:  # noqa: BLE001 - report any failure of the other module
        oca, reason = None, f"{type(error).__name__}: {error}"
    if oca is None:
        print(f"\nOCA account_credit_control not available: {reason}")
        return
    if ours:
        print("\n=== comparison ===")
        print(f"{'':<26}{'credit_management':>18}{'OCA':>12}")
        rows = [
            ("customers reminded", ours[3], oca[3]),
            ("reminders", ours[1], oca[1]),
            ("invoice lines", ours[2], oca[2]),
            ("wall time (s)", round(ours[0].wall, 1), round(oca[0].wall, 1)),
            ("ms per customer", *(round(1000 * r[0].wall / max(r[3], 1)) for r in (ours, oca))),
            ("SQL queries", ours[0].query_count, oca[0].query_count),
            ("queries per line", *(round(r[0].query_count / max(r[2], 1), 2) for r in (ours, oca))),
        ]
        for label, mine, theirs in rows:
            print(f"{label:<26}{mine!s:>18}{theirs!s:>12}")
        overall = oca[0].wall / ours[0].wall
        per_customer = (oca[0].wall / max(oca[3], 1)) / (ours[0].wall / max(ours[3], 1))
        per_line = (oca[0].wall / max(oca[2], 1)) / (ours[0].wall / max(ours[2], 1))
        print(
            f"credit_management is {overall:.1f}x faster than OCA on the whole run "
            f"({per_customer:.1f}x per reminded customer, {per_line:.1f}x per invoice line)"
        )


if __name__ == "__main__":
    main()
