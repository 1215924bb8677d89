from django.urls import path

from onestop.hotline import views

app_name = "hotline"

urlpatterns = [
    path("desk/", views.desk, name="desk"),
    path("desk/suggest", views.desk_suggest, name="desk_suggest"),
    path("desk/answer", views.desk_answer, name="desk_answer"),
    path("department/", views.department, name="department"),
    path("supervisor/", views.supervisor, name="supervisor"),
    path("supervisor/reassign", views.supervisor_reassign, name="supervisor_reassign"),
    path("routing/", views.routing_setup, name="routing"),
    path("routing/rule", views.routing_rule, name="routing_rule"),
    path("routing/rule/remove", views.routing_rule_remove, name="routing_rule_remove"),
    path("routing/model", views.routing_model, name="routing_model"),
    path("orders/<str:number>/", views.order_detail, name="order"),
    path("orders/<str:number>/article/", views.order_article, name="article"),
    path("orders/<str:number>/<slug:action>/", views.order_action, name="action"),
]
