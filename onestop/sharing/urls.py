from django.urls import path

from onestop.sharing import views

app_name = "sharing"
urlpatterns = [
    path("me/data/", views.my_data, name="my_data"),
    path("me/data/consents/", views.consent_grant, name="consent_grant"),
    path("me/data/consents/<int:pk>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("me/data/<uuid:pk>/proof/", views.access_proof, name="access_proof"),
    path("sharing/access/", views.department_accesses, name="department_accesses"),
]
