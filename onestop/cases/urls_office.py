"""URLs of the office screens of `cases` (included by `onestop.cases.urls`, namespace `cases`)."""

from django.urls import URLPattern, path

from onestop.cases import views_office

urlpatterns: list[URLPattern] = [
    path("office/", views_office.queue, name="office"),
    path("office/supervisor/", views_office.supervisor, name="supervisor"),
    path("office/cases/<str:number>/", views_office.case_detail, name="office_case"),
    path("office/cases/<str:number>/act/", views_office.case_act, name="office_act"),
    path(
        "office/cases/<str:number>/materials/<slug:key>/",
        views_office.material_download,
        name="office_material",
    ),
]
