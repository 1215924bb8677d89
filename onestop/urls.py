from django.contrib import admin
from django.urls import include, path

from onestop.api import api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("ledger/", include("onestop.ledger.urls")),
    path("federation/v1/witness/", include("onestop.ledger.witness_urls")),
    path("accounts/", include("onestop.accounts.urls")),
    path("open311/v2/", include("onestop.open311.urls")),
    path("hotline/", include("onestop.hotline.urls")),
    path("", include("onestop.hotline.portal_urls")),
    path("", include("onestop.cases.urls")),
    path("", include("onestop.catalog.urls")),
    path("", include("onestop.org.urls")),
    path("", include("onestop.knowledge.urls")),
    path("", include("onestop.credentials.urls")),
    path("", include("onestop.sharing.urls")),
    path("", include("onestop.notify.urls")),
    path("", include("onestop.insights.urls")),
    path("", include("onestop.reviews.urls")),
    path("", include("onestop.benefits.urls")),
    path("", include("onestop.federation.urls")),
    path("", include("onestop.web.urls")),
]

handler404 = "onestop.web.views.page_not_found"
handler500 = "onestop.web.views.server_error"
# A body over the limits is a 413; under /api/ and /open311/ in their error shape.
handler400 = "onestop.core.middleware.bad_request"
