from django.urls import path

from onestop.org import views, views_queue

app_name = "org"
urlpatterns = [
    path("departments/", views.department_list, name="department_list"),
    path("departments/<str:code>/", views.department_detail, name="department_detail"),
    path("centres/", views.centre_list, name="centre_list"),
    path("queue/", views_queue.queue_take, name="queue_take"),
    path("queue/ticket/<str:token>/", views_queue.queue_ticket, name="queue_ticket"),
    path("queue/ticket/<str:token>/sms", views_queue.queue_ticket_sms, name="queue_ticket_sms"),
]
