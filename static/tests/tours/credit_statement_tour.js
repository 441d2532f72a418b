/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).

import { registry } from "@web/core/registry";

// This tour relies on tests/test_credit_statement_portal.py: a customer with two
// overdue invoices and one not due yet opens the link of its reminders, without
// logging in.

function inTenDays() {
    const date = new Date();
    date.setDate(date.getDate() + 10);
    return date.toISOString().slice(0, 10);
}

registry.category("web_tour.tours").add("credit_statement_tour", {
    steps: () => [
        {
            content: "The customer's open items are listed",
            trigger: ".o_credit_statement_items tr.o_credit_statement_item",
        },
        {
            content: "Promise a payment date",
            trigger: "a.o_credit_promise_link",
            run: "click",
        },
        {
            content: "Choose the date",
            trigger: "#credit_promise_date",
            run() {
                this.anchor.value = inTenDays();
            },
        },
        {
            content: "The overdue invoices are proposed",
            trigger: ".o_credit_promise_form input[name='move_ids']:checked",
        },
        {
            content: "Say a word",
            trigger: "#credit_promise_comment",
            run: "edit Transfer ordered today.",
        },
        {
            content: "Record the promise",
            trigger: "button.o_credit_promise_submit",
            run: "click",
        },
        {
            content: "The promise is recorded",
            trigger: ".o_credit_notice_promise",
        },
        {
            content: "Both overdue invoices show it",
            trigger: "tr.o_credit_statement_item .o_credit_badge_promise",
        },
        {
            content: "Dispute the invoice not promised",
            trigger:
                "tr.o_credit_statement_item:not(:has(.o_credit_badge_promise)) a.o_credit_dispute_invoice",
            run: "click",
        },
        {
            content: "The invoice is chosen",
            trigger: ".o_credit_dispute_focus #credit_dispute_move",
        },
        {
            content: "Choose a reason",
            trigger: "#credit_dispute_reason",
            run: "selectByIndex 2",
        },
        {
            content: "Say what is wrong",
            trigger: "#credit_dispute_message",
            run: "edit The quantities do not match the delivery note.",
        },
        {
            content: "Send the dispute",
            trigger: "button.o_credit_dispute_submit",
            run: "click",
        },
        {
            content: "The dispute is recorded",
            trigger: ".o_credit_notice_dispute",
        },
        {
            content: "Its status is shown",
            trigger: ".o_credit_statement_disputes .badge.text-bg-warning",
        },
    ],
});
