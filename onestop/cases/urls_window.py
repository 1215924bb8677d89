"""URLs of the window screens of `cases` (included by `onestop.cases.urls`, namespace `cases`):
the clerk's console and case page, the papers, and public tracking. (The queue kiosk,
`/queue/`, is the service centre's: `onestop.org.urls`.)

`<number>` of a window case is its case number, or its id while it has none (a draft or a
one-time notice at the window)."""

from django.urls import URLPattern, path

from onestop.cases import views_window, views_window_remote

urlpatterns: list[URLPattern] = [
    path("window/", views_window.console, name="window"),
    path("window/start/", views_window.start, name="window_start"),
    path("window/scan/", views_window.scan, name="window_scan"),
    path("window/remote/", views_window_remote.remote_search, name="window_remote"),
    path(
        "window/remote/<str:region>/<str:code>/",
        views_window_remote.remote_apply,
        name="window_remote_apply",
    ),
    path("window/cases/<str:number>/", views_window.case_page, name="window_case"),
    path("window/cases/<str:number>/receipt.pdf", views_window.receipt_pdf, name="receipt_pdf"),
    path("window/cases/<str:number>/notice.pdf", views_window.notice_pdf, name="notice_pdf"),
    path("track/<str:number>/", views_window.track, name="track"),
    path("track/<str:number>/receipt.pdf", views_window.track_receipt, name="track_receipt"),
]
