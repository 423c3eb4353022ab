from django.urls import path

from . import views

urlpatterns = [
    path("csrf", views.csrf),
    path("uploads", views.create),
    path("objects", views.sign_object),
    path("objects/batch", views.sign_objects),
    path("uploads/<str:upload_id>/parts/<int:n>", views.sign_part),
    path("uploads/<str:upload_id>/parts", views.list_parts),
    path("uploads/<str:upload_id>/complete", views.complete),
    path("uploads/<str:upload_id>", views.abort),
]
