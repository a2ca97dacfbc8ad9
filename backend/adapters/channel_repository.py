"""Shop channels, the orders they sent and their intake exceptions, in the caller's transaction."""
from __future__ import annotations

import sqlalchemy as sa

from .channel_records import ChannelOrderRecord, IntakeException, SalesChannel


class ChannelRepository:
    """Reads and stages rows of the channel tables; the unit of work commits them."""

    def __init__(self, session):
        self.session = session

    def channel_by_slug(self, slug: str) -> SalesChannel | None:
        """The configured channel with this slug."""
        return self.session.execute(sa.select(SalesChannel).where(SalesChannel.slug == slug)).scalar_one_or_none()

    def channel(self, channel_id: int) -> SalesChannel | None:
        """One channel by id."""
        return self.session.get(SalesChannel, channel_id)

    def add_channel(self, **fields) -> SalesChannel:
        """Stage a new channel."""
        row = SalesChannel(**fields)
        self.session.add(row)
        self.session.flush()
        return row

    def intake_for(self, channel_id: int, channel_order_id: str, *, for_update: bool = False) -> IntakeException | None:
        """The intake exception a channel's order is waiting in (any status), if it is in one."""
        query = sa.select(IntakeException).where(IntakeException.sales_channel_id == channel_id,
                                                 IntakeException.channel_order_id == channel_order_id)
        if for_update:
            query = query.with_for_update().execution_options(populate_existing=True)
        return self.session.execute(query).scalar_one_or_none()

    def lock_intake(self, exception_id: int) -> IntakeException | None:
        """One intake exception, locked so two managers cannot both release it."""
        return self.session.execute(sa.select(IntakeException).where(IntakeException.id == exception_id)
                                    .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()

    def add_intake(self, **fields) -> IntakeException:
        """Stage an intake exception and give it its id."""
        row = IntakeException(**fields)
        self.session.add(row)
        self.session.flush()
        return row

    def add_channel_order(self, **fields) -> None:
        """Stage the channel's record of an order placed from it."""
        self.session.add(ChannelOrderRecord(**fields))
