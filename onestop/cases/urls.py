"""The URLs of `cases` under one namespace; each screen family keeps its own module."""

from onestop.cases import urls_me, urls_office, urls_portal, urls_window

app_name = "cases"

urlpatterns = [
    *urls_portal.urlpatterns,
    *urls_window.urlpatterns,
    *urls_office.urlpatterns,
    *urls_me.urlpatterns,
]
