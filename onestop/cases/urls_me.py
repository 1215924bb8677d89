"""URLs of my space (included by `onestop.cases.urls`, namespace `cases`): the applicant's
applications, one application, its supplements and papers.

`<number>` is the application's case number (an item case's number leads to its application),
or its id while it has none (a one-time notice at the window)."""

from django.urls import URLPattern, path

from onestop.cases import views_me

urlpatterns: list[URLPattern] = [
    path("me/cases/", views_me.my_cases, name="my_cases"),
    path("me/service-code/", views_me.service_code, name="my_code"),
    path("me/cases/<str:number>/", views_me.my_case, name="my_case"),
    path(
        "me/cases/<str:number>/supplements/<int:supplement_id>/upload",
        views_me.supplement_upload,
        name="my_supplement_upload",
    ),
    path(
        "me/cases/<str:number>/supplements/<int:supplement_id>/answer",
        views_me.supplement_answer,
        name="my_supplement_answer",
    ),
    path("me/cases/<str:number>/withdraw", views_me.withdraw, name="my_withdraw"),
    path(
        "me/cases/<str:number>/remote-supplement",
        views_me.remote_supplement,
        name="my_remote_supplement",
    ),
    path("me/cases/<str:number>/receipt.pdf", views_me.my_receipt_pdf, name="my_receipt_pdf"),
    path("me/cases/<str:number>/notice.pdf", views_me.my_notice_pdf, name="my_notice_pdf"),
]
