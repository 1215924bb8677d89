"""URLs of the portal screens of `cases` (included by `onestop.cases.urls`, namespace `cases`):
the online application for a scenario or an item, step by step."""

from django.urls import URLPattern, path

from onestop.cases import views_apply, views_remote

urlpatterns: list[URLPattern] = [
    path("apply/scenario/<slug:slug>/", views_apply.apply_scenario, name="apply_scenario"),
    path("apply/item/<str:code>/", views_apply.apply_item, name="apply_item"),
    path("apply/remote/<str:region>/<str:code>/", views_remote.apply_remote, name="apply_remote"),
    path("apply/<uuid:case_id>/", views_apply.apply, name="apply"),
    path("apply/<uuid:case_id>/submitted/", views_apply.apply_submitted, name="apply_submitted"),
]
