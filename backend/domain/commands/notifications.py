"""Commands that turn web push on and off (customers and the office), and customers' order e-mails."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SubscribeToPush:
    """A browser asks for notifications about the order behind a tracking link (the token is the key)."""

    tracking_token: str
    endpoint: str
    p256dh: str
    auth: str


@dataclass(frozen=True)
class UnsubscribeFromPush:
    """A browser turns notifications about an order off."""

    tracking_token: str
    endpoint: str


@dataclass(frozen=True)
class SubscribeToStaffPush:
    """A signed-in owner or manager asks for new-order alerts on this browser, even when the app is closed."""

    endpoint: str
    p256dh: str
    auth: str


@dataclass(frozen=True)
class UnsubscribeFromStaffPush:
    """An owner or manager turns this browser's new-order alerts off."""

    endpoint: str


@dataclass(frozen=True)
class SetOrderEmails:
    """A signed-in customer turns e-mails about their orders on or off (their account page)."""

    on: bool


@dataclass(frozen=True)
class SetOrderEmailsByLink:
    """Anyone holding a customer's unsubscribe link turns their order e-mails off (or back on): the link is the key."""

    token: str
    on: bool = False
