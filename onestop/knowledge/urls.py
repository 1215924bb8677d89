from django.urls import path

from onestop.knowledge import views

app_name = "knowledge"
urlpatterns = [
    path("search/", views.search, name="search"),
    path("assistant/", views.assistant, name="assistant"),
    path("knowledge/<slug:slug>/", views.article_detail, name="article_detail"),
]
