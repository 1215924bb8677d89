from django.urls import path

from onestop.federation import views

app_name = "federation"
urlpatterns = [
    path(".well-known/onestop-node.json", views.node_document, name="node_document"),
    path("federation/v1/messages", views.messages_inbox, name="messages"),
    path("federation/network/", views.network, name="network"),
    path("federation/network/peers/", views.peer_add, name="peer_add"),
    path("federation/network/peers/<str:region>/allow/", views.peer_allow, name="peer_allow"),
    path("federation/network/peers/<str:region>/remove/", views.peer_remove, name="peer_remove"),
    path("federation/network/peers/<str:region>/refresh/", views.peer_refresh, name="peer_refresh"),
    path("federation/network/peers/<str:region>/ping/", views.peer_ping, name="peer_ping"),
    path("federation/network/outbox/<uuid:pk>/retry/", views.outbox_retry, name="outbox_retry"),
    path(
        "federation/network/outbox/<uuid:pk>/discard/", views.outbox_discard, name="outbox_discard"
    ),
]
