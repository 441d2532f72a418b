/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).

import { registry } from "@web/core/registry";

// This tour relies on the data created by tests/test_credit_stock_tour.py: the
// delivery of "Stock Tour Customer", ready to ship, the customer on credit hold
// ("Cheque returned unpaid by the bank").

/**
 * Warehouse user: list the transfers held by credit, open the delivery, try to
 * validate it and read why it is refused.
 */
registry.category("web_tour.tours").add("credit_management_stock_held_delivery_tour", {
    steps: () => [
        {
            content: "Open the search options",
            trigger: ".o_control_panel .o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Filter the transfers held by credit",
            trigger: ".o-dropdown--menu .o_menu_item:contains('Held by Credit')",
            run: "click",
        },
        {
            content: "Only the held delivery is listed",
            trigger: ".o_list_view tbody:has(.o_data_row:contains('Stock Tour Customer')):not(:has(.o_data_row:nth-child(2)))",
        },
        {
            content: "Open the held delivery",
            trigger: ".o_data_row:contains('Stock Tour Customer') .o_data_cell[name='name']",
            run: "click",
        },
        {
            content: "The transfer shows the credit hold and its reason",
            trigger: ".o_form_view .o_credit_hold_alert:contains('Credit Hold'):contains('Cheque returned unpaid by the bank')",
        },
        {
            content: "Try to validate it",
            trigger: ".o_form_view .o_statusbar_buttons button[name='button_validate']",
            run: "click",
        },
        {
            content: "The refusal says why",
            trigger: ".modal:contains('cannot be validated'):contains('Cheque returned unpaid by the bank'):contains('A credit manager can release this transfer')",
        },
        {
            content: "Close the message",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The delivery is still ready, not done",
            trigger: "body:not(:has(.modal)) .o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Ready')",
        },
    ],
});
