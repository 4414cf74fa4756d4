from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class MeView(APIView):
    """Who the bearer token says you are.

    Authentication and permissions come from settings.
    """

    def get(self, request: Request) -> Response:
        return Response({"sub": request.user.sub, "claims": request.auth})
