/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).

import { registry } from "@web/core/registry";
import { openCustomersMenu } from "./credit_tour_utils";

// This tour relies on the data created by tests/test_credit_dunning_tour.py: three
// customers "Dunning Tour Alpha", "Dunning Tour Bravo" and "Dunning Tour Charlie",
// each with a posted invoice overdue by ten days (friendly reminder level).

const REMINDERS = ".o_form_view .o_field_widget[name='communication_ids']";

/**
 * Credit controller: start a manual dunning run, preview it, skip one customer
 * and send the reminders of the others.
 */
registry.category("web_tour.tours").add("credit_management_dunning_run_tour", {
    url: "/odoo",
    steps: () => [
        ...openCustomersMenu("credit_management.menu_credit_dunning_run", "Open the dunning runs"),
        {
            content: "The dunning runs are listed",
            trigger: ".o_breadcrumb .active:contains('Dunning Runs')",
        },
        {
            content: "Start a new dunning run",
            trigger: ".o_control_panel .o_list_button_add",
            run: "click",
        },
        {
            content: "The new run is a draft",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Draft')",
        },
        {
            content: "No reminder list before the preview",
            trigger: `.o_form_view:not(:has(.o_field_widget[name='communication_ids']))`,
        },
        {
            content: "Save the run",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            content: "The run is saved",
            trigger: ".o_form_view .o_form_saved",
        },
        {
            content: "Preview the reminders",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_preview']:contains('Preview')",
            run: "click",
        },
        {
            content: "The run is in preview",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Preview')",
        },
        {
            content: "The first customer is proposed, at the friendly level",
            trigger: `${REMINDERS} .o_data_row:contains('Dunning Tour Alpha'):contains('Friendly reminder')`,
        },
        {
            content: "The second customer is proposed",
            trigger: `${REMINDERS} .o_data_row:contains('Dunning Tour Bravo')`,
        },
        {
            content: "The third customer is proposed",
            trigger: `${REMINDERS} .o_data_row:contains('Dunning Tour Charlie')`,
        },
        {
            content: "Exactly three reminders are proposed",
            trigger: `${REMINDERS} tbody:has(.o_data_row:nth-child(3)):not(:has(.o_data_row:nth-child(4)))`,
        },
        {
            content: "Skip the second customer",
            trigger: `${REMINDERS} .o_data_row:contains('Dunning Tour Bravo') button[name='action_skip']`,
            run: "click",
        },
        {
            content: "The second customer can be included again",
            trigger: `${REMINDERS} .o_data_row:contains('Dunning Tour Bravo') button[name='action_reset_draft']`,
        },
        {
            content: "The skipped reminder is greyed out",
            trigger: `${REMINDERS} .o_data_row.text-muted:contains('Dunning Tour Bravo')`,
        },
        {
            content: "The other customers are still to send",
            trigger: `${REMINDERS} .o_data_row:contains('Dunning Tour Alpha') button[name='action_skip']`,
        },
        {
            content: "The third customer is still to send",
            trigger: `${REMINDERS} .o_data_row:contains('Dunning Tour Charlie') button[name='action_skip']`,
        },
        {
            content: "Send the reminders",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_send']",
            run: "click",
        },
        {
            content: "Confirm the sending",
            trigger: ".modal:contains('Send the reminders that are not skipped?') .modal-footer button.btn-primary",
            run: "click",
        },
        {
            content: "The dialog is closed",
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "The run is done",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Done')",
        },
        {
            content: "Nothing can be sent or skipped any more",
            trigger: `.o_form_view:not(:has(button[name='action_send'])):not(:has(${REMINDERS} button[name='action_skip']))`,
        },
        {
            content: "The three reminders stay on the run",
            trigger: ".o_form_view .oe_stat_button[name='action_view_communications']:contains('3')",
        },
    ],
});
