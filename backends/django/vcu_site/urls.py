from django.urls import include, path

urlpatterns = [path("s3/", include("s3uploads.urls"))]

# Unknown routes and crashes answer JSON too (the client reads {"error": {...}}).
handler404 = "s3uploads.errors.not_found"
handler500 = "s3uploads.errors.server_error"
