"""Commands: what a user asks for, built alike by the API, pages, offline sync and the CLI.

One module per area; every command is named here too, so callers write `commands.PlaceOrder` without
knowing which module holds it.
"""
# ruff: noqa: F401  (this package's face: the names are imported to be used as commands.X)
from .accounts import (ChangePassword, CreateUser, EndAllSignIns, EndSignIn, IssueApiToken, ResetPassword,
                       RevokeApiToken, StartSignIn)
from .bank import ImportBankStatement, MatchStatementLine, SettleStatementLine
from .channels import (ConfigureChannel, DiscardIntakeException, ReceiveChannelWebhook, ReleaseIntakeException,
                       RemoveChannelListing, RetryChannelPush, SetChannelListing)
from .catalogue import AdjustStock, CreateCustomer, CreateProduct, CreateWarehouse, ResolveException, UpdateProduct
from .counter import SellAtCounter
from .delivery import (BlobRef, ConfirmDelivery, DecideFailedDelivery, RecordBlobUpload, RecordFailedAttempt,
                       SettleRunCash)
from .fulfilment import (AssignBin, AssignToRun, ClaimPickList, ClosePack, CreateBox, CreatePickList, CreateShipment,
                         MoveStop, RecordPick, ReduceOrderLine, ReorderRun, ScanPick, ShortPick, StartRun)
from .imports import CheckCsvImport, QueueCsvImport, RecordCsvImportFailure, RestartCsvImport, RunCsvImport
from .notifications import (SetOrderEmails, SetOrderEmailsByLink, SubscribeToPush, SubscribeToStaffPush,
                            UnsubscribeFromPush, UnsubscribeFromStaffPush)
from .orders import (AcceptOrder, CancelOrder, HandlePaymentWebhook, PlaceOrder, RecordPaymentReceived, RefundPayment,
                     RejectOrder, RejectPaymentHold, ReleasePaymentHold, RetryAllocation, UndoOrderDecision)
from .sync import RecordReplayOutcome, RegisterDevice, ReplayBatch, ReplayCommand
from .webhooks import CreateWebhookSubscription, DeleteWebhookSubscription
