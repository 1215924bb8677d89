from django.urls import path

from onestop.insights import views

app_name = "insights"
urlpatterns = [
    path("insights/hotline/", views.hotline, name="hotline"),
    path("insights/hotline/export.csv", views.export_csv, name="hotline_export_csv"),
    path("insights/hotline/export.xlsx", views.export_xlsx, name="hotline_export_xlsx"),
]
