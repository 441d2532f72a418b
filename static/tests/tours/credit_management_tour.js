/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).

import { registry } from "@web/core/registry";
import { openCustomersMenu } from "./credit_tour_utils";

// These tours rely on the data created by tests/test_credit_tour.py: a customer
// "Credit Tour Customer" with a credit limit of 1,000 and a 5,000 quotation of
// the salesperson.

const REQUEST_NOTE = "Loyal customer with a payment announced for Friday";
const DECISION_REASON = "Payment confirmed by the bank as a one off exception";
const REFUSAL_REASON = "Three invoices overdue and no payment plan";

/**
 * Salesperson: confirm an over-limit quotation, get the credit dialog, request
 * an approval. Starts on the salesperson's quotations (Sales app).
 */
registry.category("web_tour.tours").add("credit_management_request_tour", {
    url: "/odoo/sales",
    steps: () => [
        {
            content: "Open the quotation of the customer",
            trigger: ".o_list_view .o_data_row:contains('Credit Tour Customer') td.o_data_cell[name='name']",
            run: "click",
        },
        {
            content: "The quotation is open, not blocked yet",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Quotation')",
        },
        {
            content: "No credit banner before the confirmation",
            trigger: ".o_form_view:not(:has(.o_credit_block_alert))",
        },
        {
            content: "Confirm the quotation",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The credit dialog explains the block",
            trigger: ".modal .o_credit_block_message:contains('would exceed its credit limit')",
        },
        {
            content: "The dialog gives the amounts",
            trigger: ".modal .o_credit_block_message:contains('this order')",
        },
        {
            content: "Write a note for the credit manager",
            trigger: ".modal div[name='note'] textarea",
            run: `edit ${REQUEST_NOTE}`,
        },
        {
            content: "Request the approval",
            trigger: ".modal-footer button[name='action_request_approval']",
            run: "click",
        },
        {
            content: "The dialog is closed",
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "The order shows the approval is requested",
            trigger: ".o_form_view .o_credit_block_alert:contains('Approval Requested')",
        },
        {
            content: "The banner keeps the reason",
            trigger: ".o_form_view .o_credit_block_alert:contains('would exceed its credit limit')",
        },
        {
            content: "The order is still a quotation",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Quotation')",
        },
        {
            content: "The salesperson cannot decide",
            trigger: ".o_form_view .o_form_statusbar:not(:has(button[name='action_credit_decide']))",
        },
        {
            content: "The request is in the chatter",
            trigger: ".o-mail-Message:contains('Credit approval requested')",
        },
    ],
});

/**
 * Invoicing > Customers > Credit Management > Credit Decisions (the Sales app
 * menu only shows with sale_management), then the pending request.
 */
function openPendingRequest() {
    return [
        ...openCustomersMenu("credit_management.menu_credit_decision", "Open the credit decisions"),
        {
            content: "Open the pending request of the customer",
            trigger: ".o_list_view .o_data_row:contains('Credit Tour Customer') td.o_data_cell[name='name']",
            run: "click",
        },
    ];
}

/**
 * Credit manager: Invoicing > Customers > Credit Management > Credit Decisions
 * (the Sales app menu only shows with sale_management), open the request, check it,
 * go to its order, approve the credit and confirm the order at once.
 */
registry.category("web_tour.tours").add("credit_management_approve_tour", {
    url: "/odoo",
    steps: () => [
        ...openPendingRequest(),
        {
            content: "The request shows why the order was blocked",
            trigger: ".o_form_view div[name='block_reason']:contains('would exceed its credit limit')",
        },
        {
            content: "The request shows the salesperson's note",
            trigger: `.o_form_view div[name='request_note']:contains('${REQUEST_NOTE}')`,
        },
        {
            content: "The request is to decide",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('To Decide')",
        },
        {
            content: "Go to the sales order",
            trigger: ".o_form_view button[name='action_open_order']",
            run: "click",
        },
        {
            content: "The order waits for the approval",
            trigger: ".o_form_view .o_credit_block_alert:contains('Approval Requested')",
        },
        {
            content: "The credit manager sees the refusal button",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_credit_decide']:contains('Refuse Credit')",
        },
        {
            content: "Approve the credit",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_credit_decide']:contains('Approve Credit')",
            run: "click",
        },
        {
            content: "The decision dialog shows the blocking reason",
            trigger: ".modal div[name='block_reason']:contains('would exceed its credit limit')",
        },
        {
            content: "Approve is selected",
            trigger: ".modal div[name='decision'] input[data-value='approve']:checked",
        },
        {
            content: "The order will be confirmed at once",
            trigger: ".modal div[name='confirm_order'] input:checked",
        },
        {
            content: "Give the reason of the decision",
            trigger: ".modal div[name='reason'] textarea",
            run: `edit ${DECISION_REASON}`,
        },
        {
            content: "Validate the decision",
            trigger: ".modal-footer button[name='action_apply']",
            run: "click",
        },
        {
            content: "The dialog is closed",
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "The order is confirmed",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Sales Order')",
        },
        {
            content: "The credit banner is gone",
            trigger: ".o_form_view:not(:has(.o_credit_block_alert))",
        },
        {
            content: "The decision is in the chatter",
            trigger: `.o-mail-Message:contains('${DECISION_REASON}')`,
        },
    ],
});

/**
 * Credit manager: refuse the request from the credit decision form; the order
 * stays a quotation, flagged as refused.
 */
registry.category("web_tour.tours").add("credit_management_refuse_tour", {
    url: "/odoo",
    steps: () => [
        ...openPendingRequest(),
        {
            content: "Refuse from the request",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_open_decide_wizard']:contains('Refuse')",
            run: "click",
        },
        {
            content: "Refuse is selected",
            trigger: ".modal div[name='decision'] input[data-value='refuse']:checked",
        },
        {
            content: "No order confirmation on a refusal",
            trigger: ".modal:not(:has(div[name='confirm_order']))",
        },
        {
            content: "Give the reason of the refusal",
            trigger: ".modal div[name='reason'] textarea",
            run: `edit ${REFUSAL_REASON}`,
        },
        {
            content: "Validate the decision",
            trigger: ".modal-footer button[name='action_apply']",
            run: "click",
        },
        {
            content: "The dialog is closed",
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "The request is refused",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Refused')",
        },
        {
            content: "The reason is on record",
            trigger: `.o_form_view div[name='decision_reason']:contains('${REFUSAL_REASON}')`,
        },
        {
            content: "No decision button any more",
            trigger: ".o_form_view .o_form_statusbar:not(:has(button[name='action_open_decide_wizard']))",
        },
        {
            content: "Go to the sales order",
            trigger: ".o_form_view button[name='action_open_order']",
            run: "click",
        },
        {
            content: "The order shows the refusal",
            trigger: ".o_form_view .o_credit_block_alert:contains('Credit Refused')",
        },
        {
            content: "The order is still a quotation",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Quotation')",
        },
    ],
});
