# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from lxml import html
from markupsafe import Markup

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import safe_eval
from odoo.tools.rendering_tools import parse_inline_template


class MailRenderMixin(models.AbstractModel):
    _inherit = "mail.render.mixin"

    @api.model
    def _render_template_qweb(self, template_src, model, res_ids, add_context=None, options=None):
        """Render the reminder emails of a dunning batch with one compilation.

        Odoo compiles a raw QWeb template once per record; a daily run renders
        the same template for hundreds of customers, so it is compiled once
        here and the compiled function is called for each record. Restricted
        users (who are not template editors) keep the standard checks.
        """
        if not self._credit_render_once(template_src, model, res_ids):
            return super()._render_template_qweb(
                template_src, model, res_ids, add_context=add_context, options=options
            )
        variables = self._render_eval_context()
        variables.update(self._credit_batch_formatters(variables))
        if add_context:
            variables.update(**add_context)
        qweb = self.env["ir.qweb"].with_context(**(options or {}))
        try:
            functions, def_name = qweb._compile(
                html.fragment_fromstring(template_src, create_parent="div")
            )
        except Exception as error:
            raise UserError(
                self.env._("Failed to render QWeb template: %(error)s", error=error)
            ) from error
        results = {}
        for record in self.env[model].browse(res_ids):
            values = dict(variables, object=record)
            rendering_qweb = qweb._prepare_environment(values)
            safe_eval.check_values(values)
            try:
                rendered = Markup("".join(functions[def_name](rendering_qweb, values)))
            except Exception as error:
                raise UserError(
                    self.env._(
                        "Failed to render the email of %(record)s: %(error)s",
                        record=record.display_name,
                        error=error,
                    )
                ) from error
            # drop the <div> wrapping the template's nodes
            results[record.id] = rendered[5:-6]
        return results

    @api.model
    def _render_template_inline_template(
        self, template_txt, model, res_ids, add_context=None, options=None
    ):
        """Render a batch's subjects, senders and recipients with each
        expression compiled once (``safe_eval`` compiles it at every record),
        with the same checks and sandbox as ``safe_eval``."""
        if not self._credit_render_once(
            template_txt, model, res_ids
        ) or not self._has_unsafe_expression_template_inline_template(str(template_txt), model):
            return super()._render_template_inline_template(
                template_txt, model, res_ids, add_context=add_context, options=options
            )
        variables = self._render_eval_context()
        if add_context:
            variables.update(**add_context)
        try:
            instructions = [
                (
                    string,
                    expression
                    and safe_eval.test_expr(expression, safe_eval._SAFE_OPCODES, mode="eval"),
                    default,
                )
                for string, expression, default in parse_inline_template(str(template_txt))
            ]
        except Exception as error:
            raise UserError(
                self.env._("Failed to render inline template: %(error)s", error=error)
            ) from error
        results = {}
        for record in self.env[model].browse(res_ids):
            values = dict(variables, object=record)
            safe_eval.check_values(values)
            values["__builtins__"] = safe_eval._BUILTINS
            parts = []
            for string, code, default in instructions:
                parts.append(string)
                if code:
                    try:
                        result = safe_eval.unsafe_eval(code, values) or default
                    except Exception as error:
                        raise UserError(
                            self.env._(
                                "Failed to render %(template)s for %(record)s: %(error)s",
                                template=template_txt,
                                record=record.display_name,
                                error=error,
                            )
                        ) from error
                    if result:
                        parts.append(str(result))
            results[record.id] = "".join(parts)
        return results

    @api.model
    def _credit_render_once(self, template_src, model, res_ids):
        return (
            model == "credit.dunning.communication"
            and template_src
            and len(res_ids) > 1
            and (self.env.is_admin() or self.env.user.has_group("mail.group_mail_template_editor"))
        )

    @api.model
    def _credit_batch_formatters(self, variables):
        """Formatters for a batch: amounts formatted without a language lookup
        each, dates (few distinct ones: due dates) formatted once each."""
        format_date = variables["format_date"]
        dates = {}

        def format_date_once(date, date_format=False, lang_code=False):
            key = (date, date_format, lang_code)
            if key not in dates:
                dates[key] = format_date(date, date_format=date_format, lang_code=lang_code)
            return dates[key]

        return {
            "format_amount": self.env["res.currency"]._credit_amount_formatter(),
            "format_date": format_date_once,
        }
