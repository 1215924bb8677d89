from django.urls import path

from onestop.insights import views

app_name = "insights"
urlpatterns = [
    path("insights/", views.steering, name="steering"),
    path("insights/export.csv", views.steering_csv, name="steering_export_csv"),
    path("insights/export.xlsx", views.steering_xlsx, name="steering_export_xlsx"),
    path("insights/hotspots/", views.hotspots, name="hotspots"),
    path("insights/hotspots/<int:pk>/", views.hotspot, name="hotspot"),
    path("insights/hotline/", views.hotline, name="hotline"),
    path("insights/hotline/export.csv", views.export_csv, name="hotline_export_csv"),
    path("insights/hotline/export.xlsx", views.export_xlsx, name="hotline_export_xlsx"),
]
