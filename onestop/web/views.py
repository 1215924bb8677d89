"""The shell's own pages: home and the error pages (404, 500, and `forbidden`, the 403 page every
console answers with).

The home page's sections (bundles, popular services, departments, themes) come from the
providers that `catalog` and `org` register in `onestop.web.registry`; `web` is on the ground
floor and does not import them.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import requires_csrf_token

from onestop.web import registry


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", registry.collect("home", request))


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "web/404.html", status=404)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "web/500.html", status=500)


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    """The one 403 page of the consoles: `message` (translated) says who may come in."""
    return render(request, "web/forbidden.html", {"message": message}, status=403)
