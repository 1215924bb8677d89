from django.urls import path

from onestop.hotline import views_portal

app_name = "hotline_portal"

urlpatterns = [
    path("12345/", views_portal.file_request, name="file"),
    path("12345/track/", views_portal.track_lookup, name="lookup"),
    # The tracking code travels in the query string (`?token=`), which the logs redact.
    path("12345/track/<str:number>/", views_portal.track, name="track"),
    path("me/12345/", views_portal.my_requests, name="mine"),
]
