"""URLs of the me screens of `cases` (included by `onestop.cases.urls`, namespace `cases`)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
