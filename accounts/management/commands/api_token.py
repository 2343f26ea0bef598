"""Create or revoke a user's API token from the command line; the key is printed once."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.tokens import api_token_by_prefix, api_token_create, api_token_revoke


class Command(BaseCommand):
    help = (
        "Create an API token: --user NAME --name LABEL (prints the key once). "
        "Revoke one: --revoke PREFIX [--user NAME]."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", help="username of the token's owner")
        parser.add_argument("--name", help="what the token is for, e.g. 'shop system'")
        parser.add_argument(
            "--revoke", metavar="PREFIX", help="revoke the live token with this key prefix"
        )

    def handle(self, *args, user=None, name=None, revoke=None, **options):
        owner = None
        if user:
            owner = get_user_model().objects.filter(username=user).first()
            if owner is None:
                raise CommandError(f"No user named {user!r}.")
        if revoke:
            try:
                token = api_token_by_prefix(prefix=revoke, user=owner)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
            api_token_revoke(token=token, actor=None)
            self.stdout.write(
                f"Revoked {token.prefix}… ({token.name}) of {token.user.get_username()}."
            )
            return
        if owner is None or not name:
            raise CommandError("Give --user NAME and --name LABEL (or --revoke PREFIX).")
        if not owner.is_active:
            raise CommandError(f"User {user!r} is not active.")
        try:
            token, key = api_token_create(user=owner, name=name, actor=None)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stderr.write(f"Token {token.prefix}… ({token.name}) for {user}. Shown only now:")
        self.stdout.write(key)
