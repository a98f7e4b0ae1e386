from django.conf import settings


def portal(request):
    return {
        "SECRETARIAT_NAME": settings.SECRETARIAT_NAME,
        "SECRETARIAT_EMAIL": settings.SECRETARIAT_EMAIL,
    }
