"""User accounts' rows, written for the account handlers: users, sign-ins, API tokens, the security log."""
from __future__ import annotations

import sqlalchemy as sa

from .records import ApiToken, SecurityEvent, User, UserSession, UserWarehouse


class AccountRepository:
    """Users, their sign-ins and tokens, in the unit of work's session."""

    def __init__(self, session):
        self.session = session

    def user(self, user_id: int) -> User | None:
        """One account by id."""
        return self.session.get(User, user_id)

    def user_by_email(self, email: str) -> User | None:
        """The account of an e-mail address (stored lower case)."""
        return self.session.execute(sa.select(User).where(User.email == email)).scalar_one_or_none()

    def add_user(self, *, email: str, name: str, password_hash: str, role: str, customer_id: int | None,
                 warehouse_ids) -> User:
        """A new active account, written with the transaction (floor staff with their warehouses)."""
        session = self.session
        user = User(email=email, name=name, password_hash=password_hash, role=role, customer_id=customer_id,
                    active=True)
        user.warehouse_links = [UserWarehouse(warehouse_id=wid) for wid in sorted(set(warehouse_ids))]
        session.add(user)
        return user

    def set_password(self, user: User, password_hash: str, now, *, revoke_tokens: bool) -> None:
        """Store a new hash and end every sign-in of the user (and, on a reset, every API token)."""
        user.password_hash = password_hash
        self.session.execute(sa.update(UserSession).where(UserSession.user_id == user.id,
                                                          UserSession.revoked_at.is_(None)).values(revoked_at=now))
        if revoke_tokens:
            self.session.execute(sa.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                                 .values(revoked_at=now))

    def add_sign_in(self, *, user_id: int, token_hash: str, remember: bool, user_agent: str, now,
                    expires_at) -> UserSession:
        """A new sign-in row (only its key's digest is kept)."""
        row = UserSession(user_id=user_id, token_hash=token_hash, remember=remember, user_agent=user_agent,
                          created_at=now, last_seen_at=now, expires_at=expires_at)
        self.session.add(row)
        return row

    def end_sign_in(self, user_id: int, token_hash: str, now) -> None:
        """Revoke the user's sign-in with this key's digest, unless already revoked."""
        self.session.execute(sa.update(UserSession).where(
            UserSession.token_hash == token_hash, UserSession.user_id == user_id,
            UserSession.revoked_at.is_(None)).values(revoked_at=now))

    def end_sign_ins(self, user_id: int, now) -> int:
        """Revoke every live sign-in of the user; how many there were."""
        return self.session.execute(sa.update(UserSession).where(
            UserSession.user_id == user_id, UserSession.revoked_at.is_(None)).values(revoked_at=now)).rowcount

    def add_token(self, *, user_id: int, name: str, token_hash: str, now) -> ApiToken:
        """A new API token row (only its digest is kept); its id is given at once."""
        token = ApiToken(user_id=user_id, name=name, token_hash=token_hash, created_at=now)
        self.session.add(token)
        self.session.flush()
        return token

    def token(self, token_id: int) -> ApiToken | None:
        """One API token by id."""
        return self.session.get(ApiToken, token_id)

    def revoke_token(self, token_id: int, now) -> None:
        """Revoke a token; a concurrent revocation's earlier time is kept."""
        self.session.execute(sa.update(ApiToken).where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
                             .values(revoked_at=now))

    def add_security_event(self, kind: str, *, user_id: int | None, email: str, actor_id: int | None = None,
                           client_ip: str = "") -> None:
        """A security log row, committed with the change it records."""
        self.session.add(SecurityEvent(kind=kind, user_id=user_id, email=email[:254], actor_id=actor_id,
                                       client_ip=client_ip[:45]))
