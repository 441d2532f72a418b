#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Take the README screenshots of credit_management with headless Chromium.

Needs a running Odoo serving a database with the addon's demo data, e.g.::

    PORT=8079 scripts/serve cm_shots &
    python3 scripts/screenshots.py --url http://localhost:8079 --db cm_shots

It logs in as admin through the login form, then saves (1400x900 PNG):

- ``static/description/credit_tab.png``: the over-limit demo customer with its
  "Credit" tab open;
- ``static/description/blocked_order.png``: that customer's quotation, blocked
  by the credit check and awaiting a credit decision;
- ``static/description/statement_page.png`` and ``statement_page_phone.png``:
  that customer's statement page, as the link of its reminders opens it
  (without logging in), at desktop and phone width (the demo payment provider
  is enabled in test mode when ``payment_demo`` is installed).
- ``static/description/receivables_analysis.png``: the receivables analysis
  (customers by age);
- ``static/description/credit_dashboard.png``: the Credit Management dashboard.
- ``addons/credit_management_stock/static/description/held_delivery.png``: the
  delivery of a customer suspended by dunning, held by credit (when the database
  has the bridge credit_management_stock).

Chromium is driven over the DevTools protocol (package ``websocket-client``).
"""

import argparse
import base64
import itertools
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
import xmlrpc.client

import websocket

WIDTH, HEIGHT = 1400, 900
ADDON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """A headless Chromium with one page, driven over the DevTools protocol."""

    def __init__(self, binary):
        self.profile = tempfile.mkdtemp(prefix="cm_screenshots_")
        port = free_port()
        self.process = subprocess.Popen(
            [
                binary,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                f"--remote-debugging-port={port}",
                f"--user-data-dir={self.profile}",
                f"--window-size={WIDTH},{HEIGHT}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.ids = itertools.count(1)
        self.ws = websocket.create_connection(self._page_ws_url(port), timeout=60)
        self.call("Page.enable")
        self.call("Runtime.enable")
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False},
        )

    @staticmethod
    def _page_ws_url(port):
        deadline = time.time() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as resp:
                    pages = [t for t in json.load(resp) if t["type"] == "page"]
                if pages:
                    return pages[0]["webSocketDebuggerUrl"]
            except OSError:
                pass
            if time.time() > deadline:
                raise RuntimeError("Chromium did not open its DevTools port.")
            time.sleep(0.2)

    def call(self, method, params=None):
        """Send a DevTools command and return its result (events are skipped)."""
        call_id = next(self.ids)
        self.ws.send(json.dumps({"id": call_id, "method": method, "params": params or {}}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == call_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]

    def evaluate(self, expression):
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"JavaScript error: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, selector, timeout=30):
        """Wait until a visible element matches the CSS selector."""
        check = (
            f"(() => {{ const el = document.querySelector({json.dumps(selector)});"
            " return !!(el && el.offsetParent); })()"
        )
        deadline = time.time() + timeout
        while not self.evaluate(check):
            if time.time() > deadline:
                raise RuntimeError(f"Timeout waiting for {selector!r}.")
            time.sleep(0.25)

    def viewport(self, width, height, mobile=False):
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
        )

    def click(self, selector):
        self.wait_for(selector)
        self.evaluate(f"document.querySelector({json.dumps(selector)}).click()")

    def goto(self, url):
        self.call("Page.navigate", {"url": url})

    def settle(self):
        """Let the web client finish its pending requests and animations."""
        deadline = time.time() + 15
        while self.evaluate("document.querySelector('.o_loading_indicator') !== null"):
            if time.time() > deadline:
                break
            time.sleep(0.25)
        time.sleep(1.5)

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        with open(path, "wb") as image:
            image.write(base64.b64decode(data))
        print(f"Saved {path}")

    def close(self):
        try:
            self.ws.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            shutil.rmtree(self.profile, ignore_errors=True)


def rpc(args):
    """A function calling the server's models over XML-RPC as ``args.login``."""
    uid = xmlrpc.client.ServerProxy(f"{args.url}/xmlrpc/2/common").authenticate(
        args.db, args.login, args.password, {}
    )
    if not uid:
        raise RuntimeError(f"Cannot log in as {args.login} on {args.db}.")
    proxy = xmlrpc.client.ServerProxy(f"{args.url}/xmlrpc/2/object")

    def call(model_name, method, *params, **options):
        return proxy.execute_kw(args.db, uid, args.password, model_name, method, params, options)

    return call


def record_id(args, xmlid, model=None, required=True):
    """Database id of the record ``module.name``, read over XML-RPC.

    With ``model``, return False unless the record is active; without
    ``required``, False when there is no such record.
    """
    call = rpc(args)
    module, name = xmlid.split(".")
    rows = call(
        "ir.model.data",
        "search_read",
        [("module", "=", module), ("name", "=", name)],
        fields=["res_id"],
    )
    if not rows and not required:
        return False
    if not rows:
        raise RuntimeError(f"No record {xmlid} in {args.db}: load the demo data.")
    res_id = rows[0]["res_id"]
    if model and not call(model, "search_count", [("id", "=", res_id)]):
        return False
    return res_id


def statement_path(args, partner_id):
    """Path of the customer's statement page (its link made if need be), with
    the demo payment provider enabled in test mode when it is installed."""
    call = rpc(args)
    providers = call("payment.provider", "search_read", [("code", "=", "demo")], fields=["state"])
    for provider in providers:
        if provider["state"] == "disabled":
            call(
                "payment.provider",
                "write",
                [provider["id"]],
                {"state": "test", "is_published": True},
            )
    url = call("res.partner", "read", [partner_id], ["credit_statement_url"])[0][
        "credit_statement_url"
    ]
    if not url:
        call("res.partner", "action_credit_statement_renew_link", [partner_id])
        url = call("res.partner", "read", [partner_id], ["credit_statement_url"])[0][
            "credit_statement_url"
        ]
    return url[url.index("/my/") :]


def shoot_statement(browser, args, path):
    """The statement page as the customer sees it: no session, desktop and phone."""
    for name, (width, height, mobile) in (
        ("statement_page.png", (1400, 1500, False)),
        ("statement_page_phone.png", (390, 1700, True)),
    ):
        browser.viewport(width, height, mobile)
        browser.goto(f"{args.url}{path}")
        browser.wait_for(".o_credit_statement_items")
        browser.settle()
        browser.screenshot(os.path.join(args.out_dir, name))
    browser.viewport(WIDTH, HEIGHT)


def login(browser, args):
    browser.goto(f"{args.url}/web/login?db={args.db}")
    browser.wait_for("form.oe_login_form input[name=password]")
    browser.evaluate(
        "(() => { const form = document.querySelector('form.oe_login_form');"
        f" form.querySelector('input[name=login]').value = {json.dumps(args.login)};"
        f" form.querySelector('input[name=password]').value = {json.dumps(args.password)};"
        " form.submit(); })()"
    )
    browser.wait_for(".o_main_navbar")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://localhost:8069")
    parser.add_argument("--db", default="credit_management_demo")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    parser.add_argument("--out-dir", default=os.path.join(ADDON_DIR, "static", "description"))
    parser.add_argument(
        "--bridge-out-dir",
        default=os.path.join(
            ADDON_DIR, "addons", "credit_management_stock", "static", "description"
        ),
    )
    args = parser.parse_args()
    args.url = args.url.rstrip("/")
    partner_id = record_id(args, "credit_management.partner_lefevre")
    order_id = record_id(args, "credit_management.order_lefevre")
    dashboard_id = record_id(args, "credit_management.spreadsheet_dashboard_credit_management")
    # The Sales app menu exists with sale_management only; else use Invoicing.
    app_menu_id = record_id(args, "sale.sale_menu_root", "ir.ui.menu") or record_id(
        args, "account.menu_finance"
    )
    # the bridge's demo: the delivery of a customer suspended by dunning
    held_order_id = record_id(args, "credit_management_stock.order_martin", required=False)
    held_picking_ids = held_order_id and rpc(args)(
        "stock.picking", "search", [("sale_id", "=", held_order_id)], limit=1
    )

    path = statement_path(args, partner_id)

    browser = Browser(args.chromium)
    try:
        shoot_statement(browser, args, path)
        login(browser, args)

        browser.goto(f"{args.url}/odoo/action-account.res_partner_action_customer/{partner_id}")
        browser.click(".o_notebook a.nav-link[name=credit_management]")
        browser.wait_for(".o_notebook .tab-pane.active .o_field_widget[name=credit_exposure]")
        # Bring the whole tab into view (the name stays in the breadcrumb).
        browser.evaluate("document.querySelector('.o_notebook').scrollIntoView()")
        browser.settle()
        browser.screenshot(os.path.join(args.out_dir, "credit_tab.png"))

        # menu_id: show an app's menu bar rather than an empty one.
        browser.goto(f"{args.url}/odoo/sales/{order_id}?menu_id={app_menu_id}")
        browser.wait_for(".o_form_view .o_credit_block_alert")
        browser.settle()
        browser.screenshot(os.path.join(args.out_dir, "blocked_order.png"))

        browser.goto(f"{args.url}/odoo/action-credit_management.credit_receivable_report_action")
        browser.wait_for(".o_pivot table")
        browser.settle()
        browser.screenshot(os.path.join(args.out_dir, "receivables_analysis.png"))

        browser.goto(f"{args.url}/odoo/dashboards?dashboard_id={dashboard_id}")
        browser.wait_for(".o_spreadsheet_dashboard_action .o-grid canvas")
        browser.settle()
        time.sleep(3)  # the dashboard's pivots and charts load after the grid
        browser.screenshot(os.path.join(args.out_dir, "credit_dashboard.png"))

        if held_picking_ids:
            inventory_menu_id = record_id(args, "stock.menu_stock_root", "ir.ui.menu")
            browser.goto(
                f"{args.url}/odoo/action-stock.action_picking_tree_all/{held_picking_ids[0]}"
                f"?menu_id={inventory_menu_id}"
            )
            browser.wait_for(".o_form_view .o_credit_hold_alert")
            browser.settle()
            browser.screenshot(os.path.join(args.bridge_out_dir, "held_delivery.png"))
    finally:
        browser.close()


if __name__ == "__main__":
    main()
