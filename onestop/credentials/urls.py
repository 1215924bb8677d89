from django.urls import path

from onestop.credentials import views

app_name = "credentials"
urlpatterns = [
    path("verify/", views.verify_page, name="verify"),
    path("v/<str:ref>", views.verify_reference, name="verify_ref"),
    path(".well-known/jwks.json", views.jwks_well_known, name="jwks"),
    path("wallet/", views.wallet, name="wallet"),
    path("wallet/<str:credential_id>/", views.wallet_detail, name="wallet_detail"),
    path("wallet/<str:credential_id>/pdf", views.wallet_pdf, name="wallet_pdf"),
    path("credentials/issued/", views.issued, name="issued"),
    path("credentials/issued/<str:credential_id>/revoke", views.revoke, name="revoke"),
]
