from django.urls import path

from core.views import MeView

urlpatterns = [
    path("api/v1/me", MeView.as_view(), name="me"),
]
