# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import base64
import io

from PIL import Image

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .common import CreditManagementCommon


def _signature():
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), "white").save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


@tagged("post_install", "-at_install")
class TestCreditCustomerConfirmation(CreditManagementCommon):
    """Confirmations that do not come from a salesperson's button."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = new_test_user(
            cls.env,
            login="credit_portal",
            groups="base.group_portal",
            partner_id=cls.contact.id,
        )

    def _assert_held_for_decision(self, order):
        self.assertIn(order.state, ("draft", "sent"))
        decision = order.credit_decision_ids
        self.assertRecordValues(decision, [{"state": "requested", "origin": "automatic"}])
        self.assertEqual(order.credit_check_state, "requested")
        self.assertIn(self.credit_manager, decision.activity_ids.user_id)
        notified = order.message_ids.filtered(lambda m: self.salesman.partner_id in m.partner_ids)
        self.assertTrue(notified, "the salesperson is notified")
        return decision

    def test_portal_signature_is_held(self):
        order = self._order(qty=20)
        order.action_quotation_sent()
        # what the portal route does: sudo on behalf of the portal user
        order.with_user(self.portal_user).sudo()._validate_order()
        decision = self._assert_held_for_decision(order)
        # a second attempt (e.g. the payment after the signature) files nothing more
        order.with_user(self.portal_user).sudo()._validate_order()
        self.assertEqual(order.credit_decision_ids, decision)
        # the credit manager approves: the order is confirmed at once
        decision.with_user(self.credit_manager)._credit_approve(
            "Signed, known customer", confirm=True
        )
        self.assertEqual(order.state, "sale")

    def test_online_payment_is_held(self):
        provider = self.env["payment.provider"].create(
            {
                "name": "Dummy",
                "code": "none",
                "state": "test",
                "company_id": self.company.id,
                "payment_method_ids": [
                    Command.set(self.env.ref("payment.payment_method_unknown").ids)
                ],
            }
        )
        order = self._order(qty=20)
        tx = (
            self.env["payment.transaction"]
            .sudo()
            .create(
                {
                    "provider_id": provider.id,
                    "payment_method_id": self.env.ref("payment.payment_method_unknown").id,
                    "amount": order.amount_total,
                    "currency_id": order.currency_id.id,
                    "partner_id": self.customer.id,
                    "reference": "CREDIT-TX-1",
                    "sale_order_ids": [Command.set(order.ids)],
                    "state": "done",
                }
            )
        )
        confirmed = tx._check_amount_and_confirm_order()
        self.assertFalse(confirmed, "a held order is not reported as confirmed")
        self._assert_held_for_decision(order)

    def test_other_process_within_limit_still_confirms(self):
        order = self._order(qty=2)
        order.with_user(self.portal_user).sudo()._validate_order()
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.credit_decision_ids)


@tagged("post_install", "-at_install")
class TestCreditPortalRoute(HttpCase):
    """The real portal route: the signature is kept, the order is not confirmed."""

    def test_portal_accept_route(self):
        company = self.env.company
        company.account_use_credit_limit = True
        customer = self.env["res.partner"].create(
            {"name": "Portal Customer SAS", "is_company": True, "credit_limit": 100.0}
        )
        product = self.env["product.product"].create(
            {"name": "Widget", "list_price": 500.0, "taxes_id": [Command.clear()]}
        )
        order = self.env["sale.order"].create(
            {
                "partner_id": customer.id,
                "require_signature": True,
                "require_payment": False,
                "order_line": [Command.create({"product_id": product.id, "product_uom_qty": 1})],
            }
        )
        order.action_quotation_sent()
        token = order._portal_ensure_token()
        response = self.make_jsonrpc_request(
            f"/my/orders/{order.id}/accept",
            {"access_token": token, "name": "Jean Client", "signature": _signature()},
        )
        self.assertFalse(response.get("error"), response)
        order.invalidate_recordset()
        self.assertEqual(order.state, "sent")
        self.assertEqual(order.signed_by, "Jean Client")
        self.assertEqual(order.credit_check_state, "requested")
        self.assertEqual(order.credit_decision_ids.origin, "automatic")
