from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def role_required(*roles: str):
    """Sign-in required, and one of `roles`; 403 for a signed-in user without it."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
