# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Bulk inserts for the dunning run and the solvency import.

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

    The rows are inserted in the order given (``ORDER BY`` their position), so
    that the ids returned match ``rows``, as for the ORM's multi-row inserts.

    :param str table: table name
    :param dict columns: {column name: SQL type}, e.g. {"res_id": "int4"}
    :param list rows: dicts of column values (a missing key is NULL)
    :param bool log_access: fill create_uid/create_date/write_uid/write_date
        as the ORM does (user of ``env``, transaction time)
    :return: list of the new ids
    """
    if not rows:
        return []
    names = [SQL.identifier(name) for name in columns]
    arrays = [
        SQL("%s::%s[]", [row.get(name) for row in rows], SQL(sql_type))
        for name, sql_type in columns.items()
    ]
    values = list(names)
    if log_access:
        names += [SQL.identifier(name) for name in LOG_COLUMNS]
        now = env.cr.now()
        values += [SQL("%s", env.uid), SQL("%s", now), SQL("%s", env.uid), SQL("%s", now)]
    env.cr.execute(
        SQL(
            """
            INSERT INTO %(table)s (%(names)s)
            SELECT %(values)s
              FROM unnest(%(arrays)s) WITH ORDINALITY AS row_(%(columns)s, position_)
          ORDER BY position_
         RETURNING id
            """,
            table=SQL.identifier(table),
            names=SQL(", ").join(names),
            values=SQL(", ").join(values),
            arrays=SQL(", ").join(arrays),
            columns=SQL(", ").join(SQL.identifier(name) for name in columns),
        )
    )
    # ids are drawn in insertion order: ascending, whatever order they come back in
    return sorted(row[0] for row in env.cr.fetchall())


def columns_of(model, rows):
    """{column: SQL type} of the fields of ``model`` given in ``rows`` (dicts of
    field values), for ``insert_rows``."""
    fnames = sorted({fname for row in rows for fname in row})
    return {fname: model._fields[fname].column_type[0] for fname in fnames}


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
