/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).

import { stepUtils } from "@web_tour/tour_service/tour_utils";

/**
 * Steps to open a menu under Invoicing > Customers (where Community shows the
 * credit management menus: the Sales app's only show with sale_management).
 *
 * @param {string} menuXmlid the menu to open, e.g. "credit_management.menu_credit_decision"
 * @param {string} content what the last step does, in words
 */
export function openCustomersMenu(menuXmlid, content) {
    return [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Invoicing app",
            trigger: ".o_app[data-menu-xmlid='account.menu_finance']",
            run: "click",
        },
        {
            content: "Open the Customers menu",
            trigger: "button[data-menu-xmlid='account.menu_finance_receivables']",
            run: "click",
        },
        {
            content,
            trigger: `.dropdown-item[data-menu-xmlid='${menuXmlid}']`,
            run: "click",
        },
    ];
}
