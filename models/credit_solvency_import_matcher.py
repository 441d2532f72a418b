# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from collections import defaultdict

from odoo import api, models
from odoo.tools import SQL

from ..tools.company_ids import SIREN_LENGTH, SIRET_LENGTH
from .credit_solvency_import_mapping import KEY_COLUMNS


class CreditSolvencyImportMatcher(models.AbstractModel):
    """The customer of each row of a solvency file, found by its keys (VAT
    number, company registry number, internal reference, tried in this order),
    with one query per kind of key whatever the number of rows.

    A row is a dict (see the import wizard's ``_parse_row``): its ``keys``
    ({kind: key}) are read, its ``partner`` and ``errors`` completed here.
    """

    _name = "credit.solvency.import.matcher"
    _description = "Solvency Import Customer Matching"

    @api.model
    def _match_customers(self, records, company):
        """Find the customer of each row among the active customers of
        ``company`` (or shared): a key found once gives the customer, a key
        found several times or not at all is an error of the row; a customer
        found on several rows is an error of each of them."""
        wanted = defaultdict(set)
        for record in records:
            for kind, key in record["keys"].items():
                wanted[kind].add(key)
        found = {kind: self._search_customers(kind, keys, company) for kind, keys in wanted.items()}
        Partner = self.env["res.partner"]
        for record in records:
            if not record["keys"]:
                continue
            for kind in KEY_COLUMNS:
                partner_ids = found.get(kind, {}).get(record["keys"].get(kind), set())
                if len(partner_ids) == 1:
                    record["partner"] = Partner.browse(partner_ids)
                    break
                if len(partner_ids) > 1:
                    names = Partner.browse(sorted(partner_ids)).mapped("display_name")
                    record["errors"].append(
                        self.env._(
                            "%(key)s matches several customers: %(names)s",
                            key=record["keys"][kind],
                            names=", ".join(names),
                        )
                    )
                    break
            else:
                record["errors"].append(
                    self.env._(
                        "Unknown customer %(keys)s", keys=" / ".join(record["keys"].values())
                    )
                )
        self._check_duplicates(records)

    @api.model
    def _search_customers(self, kind, keys, company):
        """{key: {commercial partner ids}} for the keys of one kind.

        The customers' numbers are compared as the file's keys are read
        (``tools.cells.parse_key``): letters and digits of a VAT number in
        upper case, digits of a registry number, a reference in upper case.
        """
        Partner = self.env["res.partner"]
        Partner.flush_model(
            ["vat", "company_registry", "ref", "active", "company_id", "commercial_partner_id"]
        )
        expression = {
            "vat": SQL("upper(regexp_replace(p.vat, '[^0-9A-Za-z]', '', 'g'))"),
            "registry": SQL("regexp_replace(p.company_registry, '[^0-9]', '', 'g')"),
            "ref": SQL("upper(btrim(p.ref))"),
        }[kind]
        keys = sorted(keys)
        condition = SQL("%s IN %s", expression, tuple(keys))
        if kind == "registry":
            sirens = tuple(
                sorted(
                    {key[:SIREN_LENGTH] for key in keys if len(key) in (SIREN_LENGTH, SIRET_LENGTH)}
                    or {""}
                )
            )
            condition = SQL("(%s OR left(%s, 9) IN %s)", condition, expression, sirens)
        rows = self.env.execute_query(
            SQL(
                """SELECT p.commercial_partner_id, %(expression)s
                     FROM res_partner p
                    WHERE p.active
                      AND (p.company_id IS NULL OR p.company_id = %(company)s)
                      AND %(condition)s""",
                expression=expression,
                company=company.id,
                condition=condition,
            )
        )
        wanted = set(keys)
        # a SIREN (9 digits) finds the customer registered with a SIRET (14), and back
        sirets = defaultdict(list)
        for key in keys:
            if kind == "registry" and len(key) == SIRET_LENGTH:
                sirets[key[:SIREN_LENGTH]].append(key)
        result = defaultdict(set)
        for partner_id, partner_key in rows:
            if partner_key in wanted:
                result[partner_key].add(partner_id)
            if kind != "registry" or not partner_key:
                continue
            if len(partner_key) == SIRET_LENGTH and partner_key[:SIREN_LENGTH] in wanted:
                result[partner_key[:SIREN_LENGTH]].add(partner_id)
            elif len(partner_key) == SIREN_LENGTH:
                for key in sirets.get(partner_key, ()):
                    result[key].add(partner_id)
        return result

    @api.model
    def _check_duplicates(self, records):
        """An error on each row whose customer is found on other rows too."""
        by_partner = defaultdict(list)
        for record in records:
            if record["partner"]:
                by_partner[record["partner"].id].append(record)
        for same in by_partner.values():
            if len(same) < 2:
                continue
            rows = ", ".join(str(record["row"]) for record in same)
            for record in same:
                record["errors"].append(
                    self.env._(
                        "%(customer)s appears on several rows (%(rows)s)",
                        customer=record["partner"].display_name,
                        rows=rows,
                    )
                )
