# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models
from odoo.tools import format_date, formatLang

from .credit_solvency_provider import SolvencyFetchError

FR_REGISTRY_URL = "https://recherche-entreprises.api.gouv.fr/search"
# the API accepts at most 7 requests per second per IP address
FR_REGISTRY_INTERVAL = 1.0 / 7
# INSEE headcount bands (tranche_effectif_salarie); "NN": no employee
FR_HEADCOUNT_BANDS = {
    "00": "0",
    "01": "1-2",
    "02": "3-5",
    "03": "6-9",
    "11": "10-19",
    "12": "20-49",
    "21": "50-99",
    "22": "100-199",
    "31": "200-249",
    "32": "250-499",
    "41": "500-999",
    "42": "1000-1999",
    "51": "2000-4999",
    "52": "5000-9999",
    "53": "10000+",
}
# INSEE legal categories (nature_juridique) most met among customers; others show their code
FR_LEGAL_FORMS = {
    "1000": "Entrepreneur individuel",
    "5202": "SNC",
    "5499": "SARL",
    "5599": "SA à conseil d'administration",
    "5699": "SA à directoire",
    "5710": "SAS",
    "5785": "SELAS",
    "5800": "Société européenne",
    "6540": "SCI",
    "9220": "Association déclarée",
}


class CreditSolvencyProvider(models.Model):
    """French company registry through the government's company search API
    (recherche-entreprises.api.gouv.fr, keyless): administrative status, creation
    date, legal form, headcount band and latest published revenue and result."""

    _inherit = "credit.solvency.provider"

    code = fields.Selection(
        selection_add=[("fr_registry", "French company registry (recherche-entreprises)")],
        ondelete={"fr_registry": "cascade"},
    )

    def _solvency_min_interval(self):
        if self.code == "fr_registry":
            return FR_REGISTRY_INTERVAL
        return super()._solvency_min_interval()

    def _solvency_fetch_fr_registry(self, partner):
        siren = self._solvency_siren(partner)
        data, payload = self._solvency_http_get(
            FR_REGISTRY_URL,
            # a direct search by SIREN; only the legal unit and its finances
            params={"q": siren, "minimal": "true", "include": "finances", "per_page": 1},
        )
        if not isinstance(data, dict) or not isinstance(data.get("results"), list):
            raise self._solvency_malformed(self.env._("no list of results"), payload)
        company = next(
            (
                result
                for result in data["results"]
                if isinstance(result, dict) and result.get("siren") == siren
            ),
            None,
        )
        if company is None:
            raise SolvencyFetchError(
                self._solvency_error(
                    self.env._("SIREN %(siren)s not found in the company registry.", siren=siren)
                ),
                payload,
            )
        state = company.get("etat_administratif")
        if state not in ("A", "C"):
            raise self._solvency_malformed(
                self.env._("administrative status “%(state)s”", state=state), payload
            )
        return {
            "company_status": "active" if state == "A" else "ceased",
            "summary": self._solvency_fr_registry_summary(company, payload),
        }, payload

    def _solvency_fr_registry_summary(self, company, payload):
        """What the registry says, in words (one fact per line)."""
        lines = [
            self.env._(
                "%(name)s (SIREN %(siren)s): %(status)s",
                name=company.get("nom_complet") or "",
                siren=company["siren"],
                status=self.env._("active")
                if company["etat_administratif"] == "A"
                else self.env._("ceased"),
            )
        ]
        created = self._solvency_fr_date(company.get("date_creation"))
        if created:
            lines.append(self.env._("Created on %(date)s", date=format_date(self.env, created)))
        closed = self._solvency_fr_date(company.get("date_fermeture"))
        if closed:
            lines.append(self.env._("Ceased on %(date)s", date=format_date(self.env, closed)))
        legal_form = company.get("nature_juridique")
        if legal_form:
            form = FR_LEGAL_FORMS.get(legal_form) or self.env._("INSEE category")
            lines.append(self.env._("Legal form: %(form)s (%(code)s)", form=form, code=legal_form))
        band = company.get("tranche_effectif_salarie")
        if band == "NN":
            lines.append(self.env._("Headcount: no employee"))
        elif band in FR_HEADCOUNT_BANDS:
            lines.append(
                self.env._(
                    "Headcount: %(band)s employees (%(year)s)",
                    band=FR_HEADCOUNT_BANDS[band],
                    year=company.get("annee_tranche_effectif_salarie") or "?",
                )
            )
        lines.extend(self._solvency_fr_registry_finances(company.get("finances"), payload))
        return "\n".join(lines)

    def _solvency_fr_registry_finances(self, finances, payload):
        """Latest published revenue and net result, keyed by closing year."""
        if not finances:
            return [self.env._("No published accounts")]
        if not isinstance(finances, dict) or not all(
            isinstance(year, dict) for year in finances.values()
        ):
            raise self._solvency_malformed("finances", payload)
        year = max(finances)
        figures = finances[year]
        euro = self.env.ref("base.EUR")
        revenue, result = figures.get("ca"), figures.get("resultat_net")
        lines = []
        if isinstance(revenue, int | float):
            lines.append(
                self.env._(
                    "Revenue %(year)s: %(amount)s",
                    year=year,
                    amount=formatLang(self.env, revenue, currency_obj=euro),
                )
            )
        if isinstance(result, int | float):
            lines.append(
                self.env._(
                    "Net result %(year)s: %(amount)s",
                    year=year,
                    amount=formatLang(self.env, result, currency_obj=euro),
                )
            )
        return lines

    def _solvency_fr_date(self, value):
        try:
            return fields.Date.to_date(value) if value else None
        except (TypeError, ValueError):
            return None
