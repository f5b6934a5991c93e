"""How the supervision pages say a figure in the reader's language: rates as percentages with
one decimal, the composite score with one, hours in working hours, changes with their sign.
A missing figure (an empty denominator) is always "—", never 0."""

from __future__ import annotations

from dataclasses import dataclass

from babel.numbers import format_decimal, format_percent

from server.web.i18n import babel_locale, gettext_for

NONE = "—"


@dataclass(frozen=True)
class Formats:
    locale: str

    @property
    def _babel(self):
        return babel_locale(self.locale)

    def _(self, message: str, **params) -> str:
        text = gettext_for(self.locale)(message)
        return text.format(**params) if params else text

    def count(self, value: float | None) -> str:
        return NONE if value is None else format_decimal(value, "#,##0", locale=self._babel)

    def rate(self, value: float | None) -> str:
        return NONE if value is None else format_percent(value, "#,##0.0%", locale=self._babel)

    def axis_rate(self, value: float | None) -> str:
        return NONE if value is None else format_percent(value, "#,##0%", locale=self._babel)

    def score(self, value: float | None) -> str:
        return NONE if value is None else format_decimal(value, "#,##0.0", locale=self._babel)

    def rating(self, value: float | None) -> str:
        return NONE if value is None else format_decimal(value, "#,##0.00", locale=self._babel)

    def hours(self, value: float | None) -> str:
        if value is None:
            return NONE
        return self._("{hours} h", hours=format_decimal(value, "#,##0.#", locale=self._babel))

    def of_kind(self, kind: str, value: float | None) -> str:
        return getattr(self, kind)(value)

    def change(self, kind: str, value: float | None) -> str:
        """A change against the previous period: "+3", "−2.5 pp", "+1.5 h"; "—" when either
        period has no figure."""
        if value is None:
            return NONE
        signed = "+#,##0.0;-#,##0.0" if kind != "count" else "+#,##0;-#,##0"
        if kind == "rate":
            return self._("{points} pp", points=format_decimal(value * 100, signed, locale=self._babel))
        text = format_decimal(value, signed, locale=self._babel)
        if value == 0:
            text = format_decimal(0, "#,##0", locale=self._babel)
        return self._("{hours} h", hours=text) if kind == "hours" else text
