# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""What a reminder, a run and a level refuse, and what they must not break."""

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .test_credit_dunning import CreditDunningCommon


@tagged("post_install", "-at_install")
class TestCreditDunningGuard(CreditDunningCommon):
    # ------------------------------------------------------------------
    # levels: an email needs a template, bounds, archived levels
    # ------------------------------------------------------------------

    def test_email_level_needs_a_template(self):
        Level = self.env["credit.dunning.level"]
        with self.assertRaises(ValidationError):
            Level.create({"name": "No template", "days_overdue": 20})
        level = Level.create({"name": "Letter only", "days_overdue": 20, "send_email": False})
        with self.assertRaises(ValidationError):
            level.send_email = True
        with self.assertRaises(ValidationError):
            self.level_friendly.mail_template_id = False

    def test_archived_level_frees_its_days(self):
        self.level_friendly.action_archive()
        level = self.env["credit.dunning.level"].create(
            {"name": "New friendly", "days_overdue": 5, "mail_template_id": self.template.id}
        )
        self.assertEqual(level.days_overdue, 5)
        with self.assertRaises(ValidationError):
            self.level_friendly.action_unarchive()
        with self.assertRaises(ValidationError):
            self.env["credit.dunning.level"].create(
                {"name": "Twin", "days_overdue": 5, "mail_template_id": self.template.id}
            )

    def test_level_values_are_bounded(self):
        Level = self.env["credit.dunning.level"]
        common = {"name": "Bounded", "mail_template_id": self.template.id}
        for values in (
            {"days_overdue": 10**10},
            {"days_overdue": 3651},
            {"days_overdue": -366},
            {"days_overdue": 20, "interest_rate": 1000.0, "apply_interest": True},
            {"days_overdue": 20, "interest_rate": -1.0},
            {"days_overdue": 20, "fee_amount": 10.0**15},
            {"days_overdue": 20, "indemnity_amount": 10.0**15},
        ):
            with self.subTest(values=values), self.assertRaises(ValidationError):
                Level.create(dict(common, **values))
        with self.assertRaises(ValidationError):
            self.level_friendly.write({"days_overdue": 10**10})
        level = Level.create(dict(common, days_overdue=3650, interest_rate=100.0, fee_amount=50.0))
        self.assertEqual(level.days_overdue, 3650)
