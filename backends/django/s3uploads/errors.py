from django.http import JsonResponse


def not_found(request, exception=None):
    return JsonResponse({"error": {"code": "not-found", "message": "no such route"}}, status=404)


def server_error(request):
    return JsonResponse({"error": {"code": "server", "message": "internal error"}}, status=500)
