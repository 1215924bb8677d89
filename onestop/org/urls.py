from django.urls import path

from onestop.org import views

app_name = "org"
urlpatterns = [
    path("departments/", views.department_list, name="department_list"),
    path("departments/<str:code>/", views.department_detail, name="department_detail"),
    path("centres/", views.centre_list, name="centre_list"),
]
