#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Write the Credit Management spreadsheet dashboard.

The file is ``data/files/credit_management_dashboard.json``.

The dashboard is an Odoo spreadsheet (Dashboards app) whose figures are live
pivots and charts on ``credit.receivable.report`` (open items),
``credit.dso.report`` (DSO today and at the last month ends), customers on
hold, blocked quotations and reminders. Edit this script rather than the JSON,
then run it::

    python3 scripts/build_dashboard.py

Texts wrapped in ``_t("...")`` (and chart titles, link labels) are translated by
Odoo from ``i18n/*.po``.
"""

import json
import os

ADDON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUT = os.path.join(ADDON_DIR, "data", "files", "credit_management_dashboard.json")

RECEIVABLES = "credit.receivable.report"
DSO = "credit.dso.report"
SERIES = 12  # months of the DSO trend (credit.dso.report rows per company)
TOP = 10  # customers in the "most overdue" table

PIVOTS = {
    "1": {
        "name": "Receivables",
        "model": RECEIVABLES,
        "domain": [],
        "measures": ["amount_residual", "amount_overdue"],
        "rows": [],
    },
    "2": {
        "name": "DSO Today",
        "model": DSO,
        "domain": [["months_ago", "=", 0]],
        "measures": [
            "dso",
            "best_dso",
            "days_delinquent",
            "countback_dso",
            "dso_target",
            "overdue_share_target",
        ],
        "rows": [],
    },
    "3": {
        "name": "Customers on Credit Hold",
        "model": "res.partner",
        "domain": [
            "&",
            ["credit_hold", "=", True],
            "|",
            ["is_company", "=", True],
            ["parent_id", "=", False],
        ],
        "measures": ["__count"],
        "rows": [],
    },
    "4": {
        "name": "Blocked Quotations",
        "model": "sale.order",
        "domain": [
            "&",
            ["state", "in", ["draft", "sent"]],
            ["credit_check_state", "in", ["blocked", "requested"]],
        ],
        "measures": ["__count"],
        "rows": [],
    },
    "5": {
        "name": "Reminders Sent",
        "model": "credit.dunning.communication",
        "domain": [["state", "=", "sent"]],
        "measures": ["__count"],
        "rows": [{"fieldName": "date", "granularity": "month"}],
    },
    "6": {
        "name": "DSO Trend",
        "model": DSO,
        "domain": [],
        "measures": ["dso", "best_dso", "dso_target"],
        "rows": [{"fieldName": "date", "granularity": "month"}],
    },
    "7": {
        "name": "Most Overdue Customers",
        "model": RECEIVABLES,
        "domain": [],
        "measures": ["amount_overdue", "amount_residual"],
        "rows": [{"fieldName": "partner_id"}],
        "sorted": "amount_overdue",
    },
}


def pivot(pivot_id, spec):
    data = {
        "type": "ODOO",
        "id": pivot_id,
        "formulaId": pivot_id,
        "name": spec["name"],
        "model": spec["model"],
        "domain": spec["domain"],
        "context": {},
        "measures": [{"id": m, "fieldName": m} for m in spec["measures"]],
        "rows": spec["rows"],
        "columns": [],
        "fieldMatching": {},
        "sortedColumn": None,
    }
    if spec.get("sorted"):
        data["sortedColumn"] = {
            "groupId": [[], []],
            "measure": spec["sorted"],
            "order": "desc",
        }
    return data


def odoo_chart(fig_id, x, y, mode, groupby, measure, domain=None, legend="right"):
    """A chart of the receivables analysis (read_group of one measure by one field)."""
    return {
        "id": fig_id,
        "x": x,
        "y": y,
        "width": 490,
        "height": 345,
        "tag": "chart",
        "data": {
            "type": f"odoo_{mode}",
            "title": {"text": ""},
            "background": "#FFFFFF",
            "legendPosition": legend,
            "metaData": {
                "groupBy": [groupby],
                "measure": measure,
                "order": None,
                "resModel": RECEIVABLES,
                "mode": mode,
            },
            "searchParams": {
                "comparison": None,
                "context": {},
                "domain": domain or [],
                "groupBy": [groupby],
                "orderBy": [],
            },
            "fieldMatching": {},
        },
    }


def link(label, model, view_type, domain=None, context=None, name=None):
    """A cell opening a view of the model (Odoo's odoo://view/ links)."""
    views = {
        "pivot": [[False, "pivot"], [False, "graph"], [False, "list"], [False, "search"]],
        "graph": [[False, "graph"], [False, "pivot"], [False, "list"], [False, "search"]],
        "list": [[False, "list"], [False, "form"], [False, "search"]],
    }[view_type]
    action = {
        "viewType": view_type,
        "action": {
            "domain": domain or [],
            "context": context or {},
            "modelName": model,
            "views": views,
        },
        "threshold": 0,
        "name": name or label,
    }
    return f"[{label}](odoo://view/{json.dumps(action, separators=(',', ':'))})"


def data_sheet():
    """Figures computed from the pivots, read by the dashboard's scorecards and charts."""
    rows = [
        # label, value formula, text formula, format
        ("Receivables", '=PIVOT.VALUE(1,"amount_residual")', "=FORMAT.LARGE.NUMBER(B1)", None),
        ("Overdue", '=PIVOT.VALUE(1,"amount_overdue")', "=FORMAT.LARGE.NUMBER(B2)", None),
        ("Overdue share", "=IFERROR(B2/B1,0)", None, "pct"),
        (
            "Overdue share target",
            '=IF(PIVOT.VALUE(2,"overdue_share_target")>0,PIVOT.VALUE(2,"overdue_share_target")/100,"")',
            None,
            "pct",
        ),
        ("DSO", '=PIVOT.VALUE(2,"dso")', None, "days"),
        (
            "DSO target",
            '=IF(PIVOT.VALUE(2,"dso_target")>0,PIVOT.VALUE(2,"dso_target"),"")',
            None,
            "days",
        ),
        ("Best possible DSO", '=PIVOT.VALUE(2,"best_dso")', None, "days"),
        ("Average days delinquent", '=PIVOT.VALUE(2,"days_delinquent")', None, "days"),
        ("Countback DSO", '=PIVOT.VALUE(2,"countback_dso")', None, "days"),
        ("Customers on hold", '=PIVOT.VALUE(3,"__count")', None, "int"),
        ("Blocked quotations", '=PIVOT.VALUE(4,"__count")', None, "int"),
        (
            "Reminders sent this month",
            '=IFERROR(PIVOT.VALUE(5,"__count","date:month",TODAY())+0,0)',
            None,
            "int",
        ),
        (
            "Overdue share text",
            '=CONCATENATE(ROUND(B3*100,1),"% ",_t("of the total"))',
            None,
            None,
        ),
    ]
    cells, formats = {}, {}
    for index, (label, value, text, fmt) in enumerate(rows, start=1):
        cells[f"A{index}"] = {"content": f'=_t("{label}")'}
        cells[f"B{index}"] = {"content": value}
        if text:
            cells[f"C{index}"] = {"content": text}
        if fmt:
            formats[f"B{index}"] = fmt
    # DSO trend, oldest month first
    first = 20
    cells[f"A{first}"] = {"content": '=_t("Month")'}
    cells[f"B{first}"] = {"content": '=_t("DSO")'}
    cells[f"C{first}"] = {"content": '=_t("Best possible DSO")'}
    cells[f"D{first}"] = {"content": '=_t("DSO target")'}
    for position in range(1, SERIES + 1):
        row = first + position
        cells[f"A{row}"] = {"content": f'=PIVOT.HEADER(6,"#date:month",{position})'}
        cells[f"B{row}"] = {"content": f'=PIVOT.VALUE(6,"dso","#date:month",{position})'}
        cells[f"C{row}"] = {"content": f'=PIVOT.VALUE(6,"best_dso","#date:month",{position})'}
        cells[f"D{row}"] = {
            "content": f'=IF(PIVOT.VALUE(6,"dso_target","#date:month",{position})>0,'
            f'PIVOT.VALUE(6,"dso_target","#date:month",{position}),"")'
        }
        formats[f"B{row}"] = formats[f"C{row}"] = "days"
    return cells, formats, first


def main():
    formats_ids = {"pct": 1, "days": 2, "int": 3}
    data_cells, data_formats, trend_row = data_sheet()
    trend_last = trend_row + SERIES

    # ---------------- dashboard sheet ----------------
    cells = {}
    styles = {}
    borders = {}
    rows = {}
    title_style, header_style, text_style, amount_style = 1, 2, 3, 4
    # charts' titles (row 12), DSO trend title (row 28), top customers (row 44)
    cells["A12"] = {
        "content": link(
            "Aged Balance",
            RECEIVABLES,
            "graph",
            context={"graph_groupbys": ["aging_bucket"], "graph_measure": "amount_residual"},
            name="Receivables Analysis",
        )
    }
    cells["E12"] = {
        "content": link(
            "Overdue by Dunning Level",
            RECEIVABLES,
            "pivot",
            domain=[["days_overdue", ">", 0]],
            context={
                "pivot_row_groupby": ["dunning_level_id"],
                "pivot_measures": ["amount_overdue"],
            },
            name="Receivables Analysis",
        )
    }
    cells["A28"] = {"content": link("DSO Trend (days)", DSO, "graph", name="DSO Trend")}
    cells["A44"] = {
        "content": link(
            "Most Overdue Customers",
            RECEIVABLES,
            "pivot",
            domain=[["days_overdue", ">", 0]],
            context={"pivot_row_groupby": ["partner_id"], "pivot_measures": ["amount_overdue"]},
            name="Receivables Analysis",
        )
    }
    for cell in ("A12", "E12", "A28", "A44"):
        styles[cell] = title_style
    for row in (11, 27, 43):
        rows[str(row)] = {"size": 40}
        borders[f"A{row + 1}:G{row + 1}"] = 1
    cells["A45"] = {"content": '=_t("Customer")'}
    cells["B45"] = {"content": '=_t("Overdue")'}
    cells["C45"] = {"content": '=_t("Total Due")'}
    styles["A45"] = header_style
    styles["B45:C45"] = header_style + 3  # right-aligned header
    rows["44"] = {"size": 40}
    for position in range(1, TOP + 1):
        row = 45 + position
        rows[str(row - 1)] = {"size": 27}
        cells[f"A{row}"] = {"content": f'=PIVOT.HEADER(7,"#partner_id",{position})'}
        cells[f"B{row}"] = {"content": f'=PIVOT.VALUE(7,"amount_overdue","#partner_id",{position})'}
        cells[f"C{row}"] = {
            "content": f'=PIVOT.VALUE(7,"amount_residual","#partner_id",{position})'
        }
    styles[f"A46:A{45 + TOP}"] = text_style
    styles[f"B46:C{45 + TOP}"] = amount_style

    def scorecard(fig_id, x, y, title, key, baseline=None, descr="", mode="text", color="#EFF6FF"):
        data = {
            "type": "scorecard",
            "title": {"text": title, "color": "#434343", "bold": True},
            "background": color,
            "keyValue": key,
            "baselineMode": mode,
            "baselineColorUp": "#DC6965",
            "baselineColorDown": "#00A04A",
            "baselineDescr": descr,
            "humanize": False,
        }
        if baseline:
            data["baseline"] = baseline
        return {
            "id": fig_id,
            "x": x,
            "y": y,
            "width": 190,
            "height": 109,
            "tag": "chart",
            "data": data,
        }

    # two rows of five scorecards: id, title, key cell, baseline cell, baseline
    # text, colour; a baseline with "vs target" shows the difference to the target
    cards = [
        [
            ("receivables", "Receivables", "C1", None, "", "#EFF6FF"),
            ("overdue", "Overdue", "C2", "B13", "", "#FEF2F2"),
            ("overdue-share", "Overdue Share", "B3", "B4", "vs target", "#FEF2F2"),
            ("on-hold", "Customers on Hold", "B10", None, "", "#FFF7ED"),
            ("blocked", "Blocked Quotations", "B11", None, "awaiting a decision", "#FFF7ED"),
        ],
        [
            ("dso", "DSO (days)", "B5", "B6", "vs target", "#F0FDF4"),
            ("best-dso", "Best Possible DSO", "B7", None, "", "#F0FDF4"),
            ("days-delinquent", "Average Days Delinquent", "B8", None, "", "#F0FDF4"),
            ("countback", "Countback DSO", "B9", None, "", "#F0FDF4"),
            ("reminders", "Reminders Sent", "B12", None, "this month", "#EFF6FF"),
        ],
    ]
    figures = [
        scorecard(
            f"cm-{name}",
            202 * column,
            11 + 120 * row,
            title,
            f"Data!{key}",
            baseline and f"Data!{baseline}",
            descr,
            mode="difference" if descr == "vs target" else "text",
            color=color,
        )
        for row, line in enumerate(cards)
        for column, (name, title, key, baseline, descr, color) in enumerate(line)
    ]
    chart_y = 23 * 11 + 40
    figures.append(
        odoo_chart(
            "cm-aged-balance", 0, chart_y, "bar", "aging_bucket", "amount_residual", legend="none"
        )
    )
    figures[-1]["data"].update(stacked=False, verticalAxisPosition="left")
    figures.append(
        odoo_chart(
            "cm-overdue-by-level",
            510,
            chart_y,
            "pie",
            "dunning_level_id",
            "amount_overdue",
            domain=[["days_overdue", ">", 0]],
        )
    )
    trend_y = chart_y + 345 + 40
    figures.append(
        {
            "id": "cm-dso-trend",
            "x": 0,
            "y": trend_y,
            "width": 1000,
            "height": 345,
            "tag": "chart",
            "data": {
                "type": "line",
                "title": {"text": ""},
                "background": "#FFFFFF",
                "legendPosition": "top",
                "dataSetsHaveTitle": True,
                "dataSets": [
                    {"dataRange": f"Data!B{trend_row}:B{trend_last}", "yAxisId": "y"},
                    {"dataRange": f"Data!C{trend_row}:C{trend_last}", "yAxisId": "y"},
                    {"dataRange": f"Data!D{trend_row}:D{trend_last}", "yAxisId": "y"},
                ],
                "labelRange": f"Data!A{trend_row}:A{trend_last}",
                "labelsAsText": True,
                "stacked": False,
                "aggregated": False,
                "cumulative": False,
                "fillArea": False,
            },
        }
    )

    dashboard = {
        "id": "credit-management-dashboard",
        "name": "Dashboard",
        "colNumber": 7,
        "rowNumber": 60,
        "rows": rows,
        "cols": {
            "0": {"size": 250},
            "1": {"size": 150},
            "2": {"size": 150},
            "3": {"size": 50},
            "4": {"size": 150},
            "5": {"size": 125},
            "6": {"size": 125},
        },
        "merges": [],
        "cells": cells,
        "styles": styles,
        "formats": {},
        "borders": borders,
        "conditionalFormats": [
            {
                "id": "cm-top-overdue-bars",
                "rule": {
                    "type": "DataBarRule",
                    "color": 16708338,
                    "rangeValues": f"B46:B{45 + TOP}",
                },
                "ranges": [f"A46:A{45 + TOP}"],
            }
        ],
        "figures": figures,
        "tables": [],
        "areGridLinesVisible": False,
        "isVisible": True,
        "headerGroups": {"ROW": [], "COL": []},
        "dataValidationRules": [],
        "comments": {},
    }
    data = {
        "id": "credit-management-data",
        "name": "Data",
        "colNumber": 6,
        "rowNumber": trend_last + 5,
        "rows": {},
        "cols": {"0": {"size": 200}, "1": {"size": 120}, "2": {"size": 160}, "3": {"size": 120}},
        "merges": [],
        "cells": data_cells,
        "styles": {},
        "formats": {cell: formats_ids[fmt] for cell, fmt in data_formats.items()},
        "borders": {},
        "conditionalFormats": [],
        "figures": [],
        "tables": [],
        "areGridLinesVisible": True,
        "isVisible": True,
        "headerGroups": {"ROW": [], "COL": []},
        "dataValidationRules": [],
        "comments": {},
    }
    spreadsheet = {
        "version": 21,
        "sheets": [dashboard, data],
        "styles": {
            str(title_style): {"textColor": "#01666b", "bold": True, "fontSize": 16},
            str(header_style): {"textColor": "#434343", "bold": True, "fontSize": 11},
            str(text_style): {"textColor": "#434343", "verticalAlign": "middle"},
            str(amount_style): {"textColor": "#434343", "verticalAlign": "middle"},
            str(header_style + 3): {
                "textColor": "#434343",
                "bold": True,
                "fontSize": 11,
                "align": "right",
            },
        },
        "formats": {"1": "0.0%", "2": "0.0", "3": "0"},
        "borders": {"1": {"bottom": {"style": "thin", "color": "#CCCCCC"}}},
        "revisionId": "START_REVISION",
        "uniqueFigureIds": True,
        "settings": {
            "locale": {
                "name": "English (US)",
                "code": "en_US",
                "thousandsSeparator": ",",
                "decimalSeparator": ".",
                "dateFormat": "mm/dd/yyyy",
                "timeFormat": "hh:mm:ss",
                "formulaArgSeparator": ",",
                "weekStart": 7,
            }
        },
        "pivots": {pivot_id: pivot(pivot_id, spec) for pivot_id, spec in PIVOTS.items()},
        "pivotNextId": len(PIVOTS) + 1,
        "customTableStyles": {},
        "odooVersion": 12,
        "globalFilters": [],
        "lists": {},
        "listNextId": 1,
        "chartOdooMenusReferences": {
            "cm-receivables": "credit_management.menu_credit_receivable_report",
            "cm-overdue": "credit_management.menu_credit_receivable_report",
            "cm-aged-balance": "credit_management.menu_credit_receivable_report",
            "cm-overdue-by-level": "credit_management.menu_credit_receivable_report",
            "cm-dso": "credit_management.menu_credit_dso_report",
            "cm-dso-trend": "credit_management.menu_credit_dso_report",
            "cm-reminders": "credit_management.menu_credit_dunning_communication",
            "cm-blocked": "credit_management.menu_credit_decision",
            "cm-on-hold": "credit_management.menu_partner_credit_control",
        },
    }
    os.makedirs(os.path.dirname(OUTPUT), exist_ok=True)
    with open(OUTPUT, "w", encoding="utf-8") as output:
        json.dump(spreadsheet, output, indent=1, ensure_ascii=False)
        output.write("\n")
    print(f"Wrote {OUTPUT}")


if __name__ == "__main__":
    main()
