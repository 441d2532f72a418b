# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Unit tests of tools/bulk_insert.py with a fake cursor: no database."""

import datetime
from types import SimpleNamespace

from odoo.tests import BaseCase, tagged

from odoo.addons.credit_management.tools.bulk_insert import columns_of, insert_pairs, insert_rows

NOW = datetime.datetime(2026, 6, 30, 12, 0)


class FakeCursor:
    """Keeps the statements executed; answers the ids it is given."""

    def __init__(self, ids=()):
        self.statements = []
        self.ids = list(ids)

    def now(self):
        return NOW

    def execute(self, query):
        self.statements.append(query)

    def fetchall(self):
        return [(record_id,) for record_id in self.ids]


def fake_env(ids=()):
    return SimpleNamespace(cr=FakeCursor(ids), uid=7)


@tagged("post_install", "-at_install")
class TestToolsBulkInsert(BaseCase):
    def test_insert_rows(self):
        env = fake_env(ids=[12, 10, 11])
        rows = [{"name": "a", "res_id": 1}, {"name": "b"}, {"res_id": 3, "name": "c"}]
        ids = insert_rows(env, "mail_message", {"name": "varchar", "res_id": "int4"}, rows)
        self.assertEqual(ids, [10, 11, 12], "the ids in the order of the rows")
        [query] = env.cr.statements
        code = " ".join(query.code.split())
        self.assertIn(
            'INSERT INTO "mail_message" ("name", "res_id", "create_uid", "create_date", '
            '"write_uid", "write_date")',
            code,
        )
        self.assertIn("unnest(%s::varchar[], %s::int4[]) WITH ORDINALITY", code)
        self.assertIn("ORDER BY position_ RETURNING id", code)
        self.assertEqual(query.params, [7, NOW, 7, NOW, ["a", "b", "c"], [1, None, 3]])

    def test_insert_rows_without_log_access(self):
        env = fake_env(ids=[1])
        insert_rows(env, "res_partner", {"ref": "varchar"}, [{"ref": "X"}], log_access=False)
        [query] = env.cr.statements
        self.assertNotIn("create_uid", query.code)
        self.assertEqual(query.params, [["X"]])

    def test_nothing_to_insert(self):
        env = fake_env()
        self.assertEqual(insert_rows(env, "res_partner", {"ref": "varchar"}, []), [])
        insert_pairs(env, "rel", "a_id", "b_id", [])
        self.assertFalse(env.cr.statements, "no statement at all")

    def test_insert_pairs(self):
        env = fake_env()
        insert_pairs(
            env, "mail_message_res_partner_rel", "message_id", "partner_id", [(1, 2), (1, 3)]
        )
        [query] = env.cr.statements
        self.assertIn('"mail_message_res_partner_rel" ("message_id", "partner_id")', query.code)
        self.assertEqual(query.params, [[1, 1], [2, 3]])

    def test_columns_of(self):
        field = SimpleNamespace
        model = SimpleNamespace(
            _fields={
                "name": field(column_type=("varchar", "VARCHAR")),
                "score": field(column_type=("int4", "INT4")),
                "date": field(column_type=("timestamp", "TIMESTAMP")),
            }
        )
        rows = [{"score": 1, "name": "a"}, {"date": NOW}]
        self.assertEqual(
            columns_of(model, rows), {"date": "timestamp", "name": "varchar", "score": "int4"}
        )
