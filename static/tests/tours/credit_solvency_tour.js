/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).

import { registry } from "@web/core/registry";
import { openCustomersMenu } from "./credit_tour_utils";

// These tours rely on the data created by tests/test_credit_solvency_tour.py: a
// French customer "Boulangerie du Quai" (SIREN 790 123 459) and a quotation of
// the salesperson for it. The test answers the providers' HTTP calls: the
// company registry does not know the SIREN, the BODACC has published the opening
// of a receivership ("redressement judiciaire").

const CUSTOMER = "Boulangerie du Quai";
const PROCEEDING = "redressement judiciaire";

/**
 * Credit manager: Invoicing > Customers > Customers, open the customer, check
 * its solvency from the Credit tab; the open proceeding puts it on hold.
 */
registry.category("web_tour.tours").add("credit_solvency_check_tour", {
    url: "/odoo",
    steps: () => [
        ...openCustomersMenu("account.menu_account_customer", "Open the customers"),
        {
            content: "Open the customer",
            trigger: `.o_kanban_record:contains('${CUSTOMER}')`,
            run: "click",
        },
        {
            content: "The customer is not on hold yet",
            trigger: `.o_form_view:has(.o_breadcrumb .active:contains('${CUSTOMER}')):not(:has(.alert-danger:contains('On credit hold')))`,
        },
        {
            content: "Open the Credit tab",
            trigger: ".o_notebook a.nav-link[name='credit_management']",
            run: "click",
        },
        {
            content: "The customer has no rating yet",
            trigger: ".o_notebook .tab-pane.active:has(.o_field_widget[name='solvency_rating']):not(:has(.o_field_widget[name='solvency_rating'] .badge))",
        },
        {
            content: "Check the solvency of the customer",
            trigger: ".o_notebook .tab-pane.active button[name='action_solvency_check']:contains('Check Solvency')",
            run: "click",
        },
        {
            content: "The notification gives the check that answered",
            trigger: `.o_notification:contains('Checked: ${CUSTOMER} (BODACC)')`,
        },
        {
            content: "The notification gives the check that failed, and why",
            trigger: ".o_notification:contains('Failed:'):contains('not found in the company registry')",
        },
        {
            content: "The customer is now on credit hold",
            trigger: `.o_form_view .alert-danger:contains('On credit hold'):contains('${PROCEEDING}')`,
        },
        {
            content: "Back to the Credit tab (the form was reloaded)",
            trigger: ".o_notebook a.nav-link[name='credit_management']",
            run: "click",
        },
        {
            content: "The rating is Insolvent",
            trigger: ".o_notebook .tab-pane.active .o_field_widget[name='solvency_rating']:contains('Insolvent')",
        },
        {
            content: "The rating comes from the BODACC",
            trigger: ".o_notebook .tab-pane.active .o_field_widget[name='solvency_source']:contains('BODACC')",
        },
        {
            content: "The hold box is ticked",
            trigger: ".o_notebook .tab-pane.active .o_field_widget[name='credit_hold'] input:checked",
        },
        {
            content: "The hold comes from the insolvency",
            trigger: ".o_notebook .tab-pane.active .o_field_widget[name='credit_hold_origin']:contains('Insolvency')",
        },
        {
            content: "The hold is in the chatter",
            trigger: `.o-mail-Message:contains('is on credit hold'):contains('${PROCEEDING}')`,
        },
        {
            content: "Open the history of the checks",
            trigger: ".o_form_view .oe_stat_button[name='action_view_solvency_checks']:contains('2')",
            run: "click",
        },
        {
            content: "The BODACC check is done, with the proceeding",
            trigger: `.o_list_view .o_data_row:contains('BODACC'):contains('Done'):contains('${PROCEEDING}')`,
        },
        {
            content: "The registry check is kept as failed",
            trigger: ".o_list_view .o_data_row:contains('French company registry'):contains('Failed')",
        },
    ],
});

/**
 * Salesperson: open the quotation of the customer on hold and try to confirm
 * it; the credit dialog explains the insolvency hold. Starts on the
 * salesperson's quotations (Sales app).
 */
registry.category("web_tour.tours").add("credit_solvency_order_tour", {
    url: "/odoo/sales",
    steps: () => [
        {
            content: "Open the quotation of the customer",
            trigger: `.o_list_view .o_data_row:contains('${CUSTOMER}') td.o_data_cell[name='name']`,
            run: "click",
        },
        {
            content: "The quotation warns that the customer is on hold",
            trigger: `.o_form_view .alert-warning:contains('This customer is on credit hold'):contains('${PROCEEDING}')`,
        },
        {
            content: "Confirm the quotation",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The credit dialog explains the hold",
            trigger: `.modal .o_credit_block_message:contains('${CUSTOMER} is on credit hold')`,
        },
        {
            content: "The dialog gives the proceeding",
            trigger: `.modal .o_credit_block_message:contains('Insolvency'):contains('${PROCEEDING}')`,
        },
        {
            content: "Close the dialog",
            trigger: ".modal-footer button:contains('Close')",
            run: "click",
        },
        {
            content: "The dialog is closed",
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "The order shows it is blocked by the hold",
            trigger: `.o_form_view .o_credit_block_alert:contains('${PROCEEDING}')`,
        },
        {
            content: "The order is still a quotation",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Quotation')",
        },
    ],
});
