# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import json
import re

from odoo import fields, models
from odoo.tools import format_date

from ..tools.text import strip_accents

BODACC_URL = (
    "https://bodacc-datadila.opendatasoft.com/api/explore/v2.1/catalog/datasets/"
    "annonces-commerciales/records"
)
BODACC_FIELDS = (
    "id,dateparution,typeavis,typeavis_lib,familleavis,familleavis_lib,"
    "tribunal,commercant,registre,jugement"
)
BODACC_LIMIT = 100  # the most the Explore API returns at once; newest first


class CreditSolvencyProvider(models.Model):
    """Collective proceedings published in the BODACC (Bulletin officiel des
    annonces civiles et commerciales), open data of the DILA on its Opendatasoft
    portal (keyless): safeguard, receivership, judicial liquidation.

    Which proceeding is open (``_solvency_bodacc_open_proceeding``): the notices
    of the "collective proceedings" family are read in the order of their
    judgments; each judgment of opening, conversion, extension or resolution of
    a plan opens (or continues) a proceeding of the kind it names (liquidation
    before receivership before safeguard, so that a conversion counts as its
    target); a judgment of closing ("clôture", for extinction of liabilities or
    insufficient assets), ending the proceeding ("mettant fin"), overturning the
    opening on appeal ("infirmant"), or adopting a safeguard, receivership or
    continuation plan closes it (the company then runs under its plan). A
    disposal plan ("plan de cession") leaves the liquidation open; filings
    ("avis de dépôt" of claims, distribution projects), plan changes and other
    notices change nothing; cancellation notices ("avis d'annulation") are
    ignored. The proceeding still open after the last judgment is the answer.
    """

    _inherit = "credit.solvency.provider"

    code = fields.Selection(
        selection_add=[("fr_bodacc", "BODACC collective proceedings")],
        ondelete={"fr_bodacc": "cascade"},
    )

    def _solvency_fetch_fr_bodacc(self, partner):
        siren = self._solvency_siren(partner)
        data, payload = self._solvency_http_get(
            BODACC_URL,
            params={
                "where": f'registre like "{siren}" and familleavis="collective"',
                "select": BODACC_FIELDS,
                "order_by": "dateparution desc",
                "limit": BODACC_LIMIT,
            },
        )
        if not isinstance(data, dict) or not isinstance(data.get("results"), list):
            raise self._solvency_malformed(self.env._("no list of results"), payload)
        notices = [
            self._solvency_bodacc_notice(record, payload)
            for record in data["results"]
            if self._solvency_bodacc_concerns(record, siren, payload)
        ]
        proceeding, last = self._solvency_bodacc_open_proceeding(notices)
        if not proceeding:
            summary = self.env._("No open collective proceeding.")
            if last:
                summary += "\n" + self.env._(
                    "Last judgment: %(nature)s (%(date)s, %(court)s).",
                    nature=last["nature"],
                    date=format_date(self.env, last["date"]),
                    court=last["court"],
                )
            return {"summary": summary}, payload
        label = self._solvency_bodacc_kinds()[proceeding["kind"]]
        rating = (
            self.env["credit.solvency.rating"].sudo().search([("is_insolvent", "=", True)], limit=1)
        )
        values = {
            "proceeding": label,
            "proceeding_date": proceeding["date"],
            "summary": self.env._(
                "%(proceeding)s open since %(date)s (%(court)s): %(nature)s",
                proceeding=label,
                date=format_date(self.env, proceeding["date"]),
                court=proceeding["court"],
                nature=proceeding["nature"],
            ),
        }
        if rating:
            values["rating"] = rating.code
        return values, payload

    def _solvency_bodacc_kinds(self):
        return {
            "liquidation": self.env._("Judicial liquidation (liquidation judiciaire)"),
            "receivership": self.env._("Receivership (redressement judiciaire)"),
            "safeguard": self.env._("Safeguard (sauvegarde)"),
        }

    def _solvency_bodacc_concerns(self, record, siren, payload):
        """Whether this notice is about this SIREN (the search is textual)."""
        if not isinstance(record, dict):
            raise self._solvency_malformed(self.env._("notice is not an object"), payload)
        registre = record.get("registre") or []
        if isinstance(registre, str):
            registre = registre.split(",")
        if not isinstance(registre, list):
            raise self._solvency_malformed("registre", payload)
        return any(re.sub(r"\D", "", str(number)) == siren for number in registre)

    def _solvency_bodacc_notice(self, record, payload):
        """The judgment of a notice: kind, effect ("open"/"close"/None), date..."""
        published = self._solvency_bodacc_date(record.get("dateparution"))
        if not published:
            raise self._solvency_malformed("dateparution", payload)
        judgment = record.get("jugement") or {}
        if isinstance(judgment, str):
            try:
                judgment = json.loads(judgment)
            except ValueError:
                judgment = None
        if not isinstance(judgment, dict):
            raise self._solvency_malformed(
                self.env._("judgment of notice %(notice)s", notice=record.get("id")), payload
            )
        nature = judgment.get("nature") or judgment.get("famille") or ""
        # lower case, without accents, for matching the wording of judgments
        text = strip_accents(f"{judgment.get('famille') or ''} {nature}").lower()
        effect = None
        if record.get("typeavis") != "annulation":
            effect = self._solvency_bodacc_effect(text)
        return {
            "id": record.get("id"),
            "date": self._solvency_bodacc_date(judgment.get("date")) or published,
            "published": published,
            "nature": nature,
            "court": record.get("tribunal") or "",
            "kind": self._solvency_bodacc_kind(text),
            "effect": effect,
        }

    def _solvency_bodacc_effect(self, text):
        """ "open", "close" or None for a judgment's wording (accents removed)."""
        if "avis de depot" in text or "creances" in text or "repartition" in text:
            return None
        if "cloture" in text or "mettant fin" in text or "infirm" in text:
            return "close"
        kind = self._solvency_bodacc_kind(text)
        if "resolution du plan" in text:
            return "open" if kind else None
        if "plan" in text and ("arretant" in text or "homolog" in text):
            return None if "cession" in text else "close"
        if any(word in text for word in ("ouverture", "conversion", "extension", "prononcant")):
            return "open" if kind else None
        return None

    def _solvency_bodacc_kind(self, text):
        if "liquidation" in text:
            return "liquidation"
        if "redressement" in text:
            return "receivership"
        if "sauvegarde" in text:
            return "safeguard"
        return None

    def _solvency_bodacc_open_proceeding(self, notices):
        """``(open proceeding or None, last judgment with an effect or None)``."""
        judgments = sorted(
            (notice for notice in notices if notice["effect"]),
            key=lambda notice: (notice["date"], notice["published"], notice["id"] or ""),
        )
        proceeding = None
        for notice in judgments:
            if notice["effect"] == "close":
                proceeding = None
            elif proceeding is None or notice["kind"] != proceeding["kind"]:
                proceeding = notice
        return proceeding, judgments[-1] if judgments else None

    def _solvency_bodacc_date(self, value):
        try:
            return fields.Date.to_date(value) if value else None
        except (TypeError, ValueError):
            return None
