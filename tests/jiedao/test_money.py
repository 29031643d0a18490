"""Amounts read as money wherever people see them: thousands grouped, two decimals, 元."""

from decimal import Decimal

from django.template import Context, Template

from jiedao.money import fen, yuan


def test_an_amount_reads_as_money():
    assert yuan(Decimal("3000")) == "3,000.00" and yuan("99999.5") == "99,999.50" and yuan(0) == "0.00"
    assert yuan(None) == "—" and fen(1200.004) == Decimal("1200.00")  # SQLite's float sums, to the fen


def test_the_templates_say_yuan():
    page = Template("{% load money %}{{ a|money }} / {{ b|money }} / {{ a|yuan }}").render(
        Context({"a": Decimal("1234567.8"), "b": None}))
    assert page == "1,234,567.80 元 / — / 1,234,567.80"
