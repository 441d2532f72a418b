# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Bulk inserts for the dunning run.

A first run over a large book writes tens of thousands of rows (reminder lines,
chatter notes, tracking values, queued emails) whose values are all decided by
the run itself. They are inserted here in one statement per table instead of
going through the per-record work of ``create`` (defaults, conversions, access
to each value). Callers keep the ORM cache consistent (invalidation).
"""

from odoo.tools import SQL

LOG_COLUMNS = ("create_uid", "create_date", "write_uid", "write_date")


def insert_rows(env, table, columns, rows, log_access=True):
    """Insert ``rows`` into ``table`` in one statement; return their ids in order.

    The ids are drawn from the table's sequence first, so that they match the
    order of ``rows`` whatever order PostgreSQL inserts them in.

    :param str table: table name
    :param dict columns: {column name: SQL type}, e.g. {"res_id": "int4"}
    :param list rows: dicts of column values (a missing key is NULL)
    :param bool log_access: fill create_uid/create_date/write_uid/write_date
        as the ORM does (user of ``env``, transaction time)
    :return: list of the new ids
    """
    if not rows:
        return []
    cr = env.cr
    cr.execute(
        SQL(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            table,
            len(rows),
        )
    )
    ids = [row[0] for row in cr.fetchall()]
    names = [SQL.identifier("id")] + [SQL.identifier(name) for name in columns]
    arrays = [SQL("%s::int4[]", ids)] + [
        SQL("%s::%s[]", [row.get(name) for row in rows], SQL(sql_type))
        for name, sql_type in columns.items()
    ]
    log = SQL("")
    if log_access:
        names += [SQL.identifier(name) for name in LOG_COLUMNS]
        log = SQL(", %(uid)s, %(now)s, %(uid)s, %(now)s", uid=env.uid, now=cr.now())
    cr.execute(
        SQL(
            "INSERT INTO %(table)s (%(names)s) SELECT *%(log)s FROM unnest(%(arrays)s)",
            table=SQL.identifier(table),
            names=SQL(", ").join(names),
            log=log,
            arrays=SQL(", ").join(arrays),
        )
    )
    return ids


def insert_pairs(env, table, column1, column2, pairs):
    """Insert the rows of a many2many relation table: [(id1, id2)]."""
    if not pairs:
        return
    env.cr.execute(
        SQL(
            "INSERT INTO %s (%s, %s) SELECT * FROM unnest(%s::int4[], %s::int4[])",
            SQL.identifier(table),
            SQL.identifier(column1),
            SQL.identifier(column2),
            [pair[0] for pair in pairs],
            [pair[1] for pair in pairs],
        )
    )
