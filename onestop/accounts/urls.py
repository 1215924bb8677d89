from django.urls import path

from onestop.accounts import views, views_delegation, views_mfa, views_oidc

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("register/", views.register, name="register"),
    path("me/", views.me, name="me"),
    path("me/language/", views.language, name="language"),
    path("delegations/new/", views_delegation.grant, name="delegation_grant"),
    path("delegations/record/", views_delegation.record, name="delegation_record"),
    path(
        "delegations/<uuid:delegation_id>/revoke/",
        views_delegation.revoke,
        name="delegation_revoke",
    ),
    path("acting/", views_delegation.acting, name="acting"),
    path("elderly/", views_delegation.elderly, name="elderly"),
    path("oidc/login/", views_oidc.start, name="oidc_login"),
    path("oidc/callback/", views_oidc.callback, name="oidc_callback"),
    path("mfa/enrol/", views_mfa.enrol, name="mfa_enrol"),
    path("mfa/verify/", views_mfa.verify, name="mfa_verify"),
]
