"""`{% breadcrumbs %}`: the one breadcrumb trail of the pages."""

from __future__ import annotations

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.utils import translation


def test_the_trail_links_each_pair_and_ends_on_the_current_page() -> None:
    source = (
        '{% load i18n web_tags %}{% breadcrumbs name "web:home" _("Home") '
        '"catalog:item_list" _("All services") %}'
    )
    with translation.override("en"):
        html = Template(source).render(Context({"name": "<Licence>"}))

    assert '<a class="usa-breadcrumb__link" href="/"><span>Home</span></a>' in html
    assert '<a class="usa-breadcrumb__link" href="/items/"><span>All services</span></a>' in html
    assert 'aria-current="page"><span>&lt;Licence&gt;</span>' in html
    assert html.index("Home") < html.index("All services") < html.index("&lt;Licence&gt;")


def test_an_unpaired_link_is_a_template_error() -> None:
    with pytest.raises(TemplateSyntaxError):
        Template('{% load web_tags %}{% breadcrumbs "x" "web:home" %}').render(Context())
