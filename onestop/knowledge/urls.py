from django.urls import path

from onestop.knowledge import views

app_name = "knowledge"
urlpatterns = [
    path("search/", views.search, name="search"),
]
