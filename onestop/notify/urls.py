from django.urls import path

from onestop.notify import views

app_name = "notify"
urlpatterns = [
    path("me/notifications/", views.notification_list, name="notification_list"),
    path(
        "me/notifications/<uuid:pk>/read/",
        views.notification_mark_read,
        name="notification_mark_read",
    ),
]
