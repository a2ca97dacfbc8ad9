"""The message bus: every entry point hands it a command and an actor; it runs the one handler."""
from __future__ import annotations

from typing import Any, Callable

from ..domain import commands
from ..domain.access import Actor
from ..domain.errors import ConcurrentUpdate, DomainError, DuplicateRow
from . import accounts
from . import bank_statements
from . import order_changes, order_undo, packing, picking, short_picks
from . import catalogue, counter, exception_queue, orders, stock
from . import channel_intake, channels_out
from . import csv_import, csv_import_run
from . import delivery, failed_deliveries
from . import dispatch, shipping
from . import order_emails, push
from . import payment_webhooks, payments
from . import sync_log
from . import webhooks
from .settings import Settings
from .unit_of_work import UnitOfWork

Command = Any  # one of the dataclasses of domain/commands.py
Handler = Callable[[Command, Actor, UnitOfWork, Settings], Any]

def _replay(cmd: commands.ReplayCommand, actor: Actor, uow: UnitOfWork, settings: Settings):
    """An offline command with its log row; its own handler comes from this table (sync_log never imports the bus)."""
    return sync_log.replay_command(cmd, actor, uow, settings, HANDLERS)


def _replay_batch(cmd: commands.ReplayBatch, actor: Actor, uow: UnitOfWork, settings: Settings):
    """A push's offline commands in one transaction, each through its own handler from this table."""
    return sync_log.replay_batch(cmd, actor, uow, settings, HANDLERS)


HANDLERS: dict[type, Handler] = {
    commands.PlaceOrder: orders.place_order,
    commands.AcceptOrder: orders.accept_order,
    commands.RetryAllocation: orders.retry_allocation,
    commands.RejectOrder: orders.reject_order,
    commands.CancelOrder: orders.cancel_order,
    commands.ReleasePaymentHold: orders.release_payment_hold,
    commands.RejectPaymentHold: orders.reject_payment_hold,
    commands.RecordPaymentReceived: orders.record_payment_received,
    commands.ImportBankStatement: bank_statements.import_bank_statement,
    commands.MatchStatementLine: bank_statements.match_statement_line,
    commands.SettleStatementLine: bank_statements.settle_statement_line,
    commands.UndoOrderDecision: order_undo.undo_order_decision,
    # card and wallet payments through the provider (capture and void ride on shipping and cancelling)
    commands.RefundPayment: payments.refund_payment,
    commands.HandlePaymentWebhook: payment_webhooks.handle_payment_webhook,
    # shop channels: their webhooks and the intake exceptions a person decides on
    commands.ConfigureChannel: channel_intake.configure_channel,
    commands.ReceiveChannelWebhook: channel_intake.receive_webhook,
    commands.ReleaseIntakeException: channel_intake.release_intake_exception,
    commands.DiscardIntakeException: channel_intake.discard_intake_exception,
    # channels out: what each shop lists, and a push sent again by hand (the worker sends the rest)
    commands.SetChannelListing: channels_out.set_channel_listing,
    commands.RemoveChannelListing: channels_out.remove_channel_listing,
    commands.RetryChannelPush: channels_out.retry_channel_push,
    commands.SellAtCounter: counter.sell_at_counter,
    commands.AdjustStock: stock.adjust_stock,
    commands.CreateProduct: catalogue.create_product,
    commands.UpdateProduct: catalogue.update_product,
    commands.CreateWarehouse: catalogue.create_warehouse,
    commands.CreateCustomer: catalogue.create_customer,
    commands.ResolveException: exception_queue.resolve_exception,
    commands.CreateShipment: shipping.create_shipment,
    commands.AssignToRun: dispatch.assign_to_run,
    commands.MoveStop: dispatch.move_stop,
    commands.ReorderRun: dispatch.reorder_run,
    commands.StartRun: dispatch.start_run,
    commands.ConfirmDelivery: delivery.confirm_delivery,
    commands.RecordFailedAttempt: delivery.record_failed_attempt,
    commands.SettleRunCash: delivery.settle_run_cash,
    commands.DecideFailedDelivery: failed_deliveries.decide_failed_delivery,
    commands.RecordBlobUpload: delivery.record_blob_upload,
    # picking and packing (floor)
    commands.CreatePickList: picking.create_pick_list,
    commands.ClaimPickList: picking.claim_pick_list,
    commands.RecordPick: picking.record_pick,
    commands.ScanPick: picking.scan_pick,
    commands.ShortPick: short_picks.short_pick,
    commands.AssignBin: stock.assign_bin,
    commands.ClosePack: packing.close_pack,
    commands.CreateBox: packing.create_box,
    commands.ReduceOrderLine: order_changes.reduce_order_line,
    # CSV import of orders and of products with stock
    commands.CheckCsvImport: csv_import.check_csv_import,
    commands.QueueCsvImport: csv_import.queue_csv_import,
    commands.RunCsvImport: csv_import_run.run_csv_import,
    commands.RecordCsvImportFailure: csv_import.record_csv_import_failure,
    commands.RestartCsvImport: csv_import.restart_csv_import,
    # web push (customers' notifications)
    commands.SubscribeToPush: push.subscribe_to_push,
    commands.UnsubscribeFromPush: push.unsubscribe_from_push,
    # staff web push (owners' and managers' new-order alerts)
    commands.SubscribeToStaffPush: push.subscribe_to_staff_push,
    commands.UnsubscribeFromStaffPush: push.unsubscribe_from_staff_push,
    # outgoing webhooks (API clients' subscriptions)
    commands.CreateWebhookSubscription: webhooks.create_webhook_subscription,
    commands.DeleteWebhookSubscription: webhooks.delete_webhook_subscription,
    # order e-mails: customers turn them off and on
    commands.SetOrderEmails: order_emails.set_order_emails,
    commands.SetOrderEmailsByLink: order_emails.set_order_emails_by_link,
    # offline sync: each queued command with its log row, in one transaction
    commands.RegisterDevice: sync_log.register_device,
    commands.ReplayCommand: _replay,
    commands.ReplayBatch: _replay_batch,
    commands.RecordReplayOutcome: sync_log.record_replay_outcome,
    # user accounts: passwords, API tokens, sign-ins
    commands.CreateUser: accounts.create_user,
    commands.ChangePassword: accounts.change_password,
    commands.ResetPassword: accounts.reset_password,
    commands.IssueApiToken: accounts.issue_api_token,
    commands.RevokeApiToken: accounts.revoke_api_token,
    commands.StartSignIn: accounts.start_sign_in,
    commands.EndSignIn: accounts.end_sign_in,
    commands.EndAllSignIns: accounts.end_all_sign_ins,
}


class ConflictingWrite(DomainError):
    """A concurrent request wrote the same unique thing first (and is not a replay we can return)."""

    code = "conflict"
    status = 409


class TooBusy(DomainError):
    """Two tries both ran into concurrent changes (deadlocks): nothing was saved; the caller may simply retry."""

    code = "busy"
    status = 503


class MessageBus:
    """Runs a command's handler in a fresh unit of work."""

    def __init__(self, uow_factory: Callable[[], UnitOfWork], settings: Settings):
        self.uow_factory = uow_factory
        self.settings = settings

    def handle(self, command: Command, actor: Actor, *,
               before_commit: Callable[[], None] | None = None) -> Any:
        """Run the handler; a unique-key race is retried once so a replay finds the winner's row.

        `before_commit` runs inside the handler's transaction just before it commits (an uploaded image
        is put in place there, so the file and its record stand or fall together).
        """
        handler = HANDLERS[type(command)]
        for attempt in (1, 2):
            try:
                # The unit of work rolls back on the way out and names a database error in the domain's words.
                with self.uow_factory() as uow:
                    uow.actor_id = actor.user_id
                    if before_commit is not None:
                        uow.before_commit(lambda _events: before_commit())
                    return handler(command, actor, uow, self.settings)
            except DuplicateRow as exc:
                if attempt == 2:
                    raise ConflictingWrite("Someone else saved the same thing at the same moment; "
                                           "reload and try again.") from exc
            except ConcurrentUpdate as exc:
                # A deadlock or serialization failure: safe to run the handler again, once.
                if attempt == 2:
                    raise TooBusy("Other changes to the same things got in the way and nothing was saved; "
                                  "try again in a moment.") from exc
        raise AssertionError("unreachable")
