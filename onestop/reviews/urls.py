from django.urls import path

from onestop.reviews import views

app_name = "reviews"

urlpatterns = [
    path("me/reviews/", views.my_reviews, name="my_reviews"),
    path("me/reviews/<uuid:invitation_id>/", views.my_review, name="my_review"),
    path("me/reviews/<uuid:invitation_id>/answer/", views.my_answer, name="my_answer"),
    # The link's token travels in the query string (`?token=`), which the logs redact.
    path("reviews/rate/", views.rate, name="rate"),
    path("reviews/rate/answer/", views.rate_answer, name="rate_answer"),
    path("reviews/callback/<uuid:invitation_id>/", views.callback_rate, name="callback_rate"),
    # 一次一评: the rating screen of a window (`?token=` of its pairing) and the clerk's pairing.
    path("reviews/pad/", views.pad, name="pad"),
    path("reviews/pad/pair/", views.pad_pair, name="pad_pair"),
    path("reviews/console/", views.console, name="console"),
    path("reviews/console/<int:pk>/", views.rectification, name="rectification"),
    path("reviews/figures/", views.figures, name="figures"),
]
