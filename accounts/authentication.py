"""DRF authentication by `Authorization: Token <key>` against hashed API tokens."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .tokens import api_token_user


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Give the header as: Authorization: Token <key>")
        user = api_token_user(header[1].decode(errors="replace"))
        if user is None:
            raise exceptions.AuthenticationFailed("Unknown or revoked API token.")
        return (user, None)

    def authenticate_header(self, request):
        return self.keyword


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Describe the token header in the OpenAPI schema."""

    target_class = "accounts.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>`; create a key on /account/tokens/ or with "
            "`manage.py api_token`.",
        }
