from django.urls import path

from onestop.benefits import views

app_name = "benefits"

urlpatterns = [
    path("me/benefits/", views.my_benefits, name="my_benefits"),
    path("me/benefits/opt-out/", views.opt_out, name="opt_out"),
    path("me/benefits/opt-in/", views.opt_in, name="opt_in"),
    path("me/benefits/<int:pk>/", views.my_offer, name="my_offer"),
    path("me/benefits/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("me/benefits/<int:pk>/decline/", views.decline, name="decline"),
    path("benefits/console/", views.console, name="console"),
    path("benefits/console/offers/<int:pk>/payment/", views.pay, name="pay"),
]
