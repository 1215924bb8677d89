from django.urls import path

from onestop.catalog import views

app_name = "catalog"
urlpatterns = [
    path("items/", views.item_list, name="item_list"),
    path("items/<str:code>/", views.item_detail, name="item_detail"),
    path("scenarios/", views.scenario_list, name="scenario_list"),
    path("scenarios/<slug:slug>/", views.scenario_detail, name="scenario_detail"),
    path("scenarios/<slug:slug>/prefill/", views.scenario_prefill, name="scenario_prefill"),
]
