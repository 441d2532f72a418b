/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).

import { registry } from "@web/core/registry";
import { openCustomersMenu } from "./credit_tour_utils";

// This tour relies on the data created by tests/test_credit_receivable_tour.py: the
// customer "Analytics Tour Customer" with an open invoice 45 days past due.

/**
 * Credit controller: open the receivables analysis, switch to its graph, then
 * print the aged balance at today's date.
 */
registry.category("web_tour.tours").add("credit_management_receivables_tour", {
    url: "/odoo",
    steps: () => [
        ...openCustomersMenu(
            "credit_management.menu_credit_receivable_report",
            "Open the receivables analysis"
        ),
        {
            content: "The analysis opens as a pivot of customers by age",
            trigger: ".o_pivot .o_pivot_header_cell_closed:contains('Analytics Tour Customer')",
        },
        {
            content: "The overdue invoice is in the 31-60 days column",
            trigger: ".o_pivot thead th:contains('31-60 Days')",
        },
        {
            content: "Switch to the graph",
            trigger: ".o_control_panel .o_switch_view.o_graph",
            run: "click",
        },
        {
            content: "The graph is drawn",
            trigger: ".o_graph_renderer canvas",
        },
        {
            content: "Open the Customers menu again",
            trigger: "button[data-menu-xmlid='account.menu_finance_receivables']",
            run: "click",
        },
        {
            content: "Open the aged balance",
            trigger: ".dropdown-item[data-menu-xmlid='credit_management.menu_credit_aged_balance']",
            run: "click",
        },
        {
            content: "The aged balance asks for its date and periods",
            trigger: ".modal .o_field_widget[name='interval'] input",
        },
        {
            content: "Print the PDF",
            trigger: ".modal footer button[name='action_print_pdf']",
            run: "click",
        },
        {
            content: "The report is printed without error",
            trigger: "body:not(:has(.o_error_dialog)):not(:has(.o_blockUI))",
        },
    ],
});
