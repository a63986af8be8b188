"""The background queues and the states of their rows, declared once.

Each queue is a table whose rows a worker moves forward: received activities (`inbox_item`), deliveries
(`delivery`), mails (`mail_message`) and webhook deliveries (`webhook_delivery`). The workers, the housekeeping,
`skiller queue status`, the administration's queue page, the metrics and /healthz all read the states from here
instead of spelling them out. A declaration is checked when it is made (as Takahē's state graphs are): one initial
state that is waiting, every state reachable from it, and every waiting state has a way out. A finished row changes
only by an administrator's action or a listed correction.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import Delivery, InboxItem, MailMessage, WebhookDelivery
from .services.errors import N_


@dataclass(frozen=True)
class State:
    name: str
    label: str  # shown to administrators (translated)
    finished: bool  # no worker moves it any more; removed after retention_days
    listed: bool  # counted per instance in `skiller queue status` and on the queue page
    meaning: str


@dataclass(frozen=True)
class Queue:
    name: str
    model: type
    states: tuple[State, ...]
    # Who moves a row from one state to another: {from: {to: why}}.
    transitions: dict[str, dict[str, str]]
    # Corrections of a finished row, not work: e.g. a delivery cancelled while its request was in flight that was
    # in fact acknowledged becomes done.
    corrections: tuple[tuple[str, str], ...] = ()
    since: str = "created_at"  # the column from which a waiting row counts as late (its age, for /healthz)

    def __post_init__(self) -> None:
        names = [s.name for s in self.states]
        assert len(set(names)) == len(names), f"{self.name}: a state is declared twice"
        assert not self.states[0].finished, f"{self.name}: the initial state must be waiting"
        for source, targets in self.transitions.items():
            assert source in names and all(t in names for t in targets), f"{self.name}: unknown state in {source}"
        for state in self.states:
            if not state.finished:
                assert set(self.transitions.get(state.name, {})) - {state.name}, (
                    f"{self.name}: {state.name} is a dead end"
                )
        reachable, frontier = {names[0]}, [names[0]]
        while frontier:
            for target in self.transitions.get(frontier.pop(), {}):
                if target not in reachable:
                    reachable.add(target)
                    frontier.append(target)
        assert reachable == set(names), f"{self.name}: unreachable states {set(names) - reachable}"

    @property
    def initial(self) -> str:
        return self.states[0].name

    def state(self, name: str) -> State:
        return next(s for s in self.states if s.name == name)

    @property
    def waiting(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.states if not s.finished)

    @property
    def finished(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.states if s.finished)

    @property
    def listed(self) -> tuple[State, ...]:
        return tuple(s for s in self.states if s.listed)

    def sources_of(self, target: str) -> tuple[str, ...]:
        """The states a row can go to `target` from (what an action may touch)."""
        return tuple(source for source, targets in self.transitions.items() if target in targets)


PENDING = "pending"

INBOX = Queue(
    "inbox",
    InboxItem,
    (
        State(PENDING, N_("Waiting"), False, True, "received and verified, to be applied (again after an error)"),
        State("done", N_("Applied"), True, False, "applied, or understood and ignored (the error says why)"),
        State(
            "failed", N_("Failed"), True, True, "refused by a service (with the reason), or errors past the attempts"
        ),
    ),
    {
        PENDING: {
            "done": "inbox_queue.apply_item: applied or ignored",
            "failed": "inbox_queue.apply_item: refused, or the last attempt failed",
            PENDING: "inbox_queue.apply_item: an error, retried later",
        },
    },
    since="received_at",
)

DELIVERIES = Queue(
    "deliveries",
    Delivery,
    (
        State(PENDING, N_("Pending"), False, True, "to be sent, or sent again after a failure (next_attempt_at)"),
        State("done", N_("Delivered"), True, False, "the receiving server acknowledged it (2xx)"),
        State("failed", N_("Failed"), True, True, "a final 4xx, a refused address, or every attempt failed"),
        State("cancelled", N_("Cancelled"), True, True, "stopped here: a suspended server, an administrator's drop"),
    ),
    {
        PENDING: {
            "done": "deliveries: acknowledged",
            "failed": "deliveries: final refusal or last attempt",
            "cancelled": "deliveries: refused by policy; federation_policy.set_policy; queue_admin.drop",
            PENDING: "deliveries: a failure, retried with backoff; queue_admin.retry",
        },
        "failed": {
            PENDING: "queue_admin.retry: an administrator asks for another try",
            "cancelled": "queue_admin.drop: an administrator gives up on it",
        },
    },
    corrections=(("cancelled", "done"),),
)

MAIL = Queue(
    "mail",
    MailMessage,
    (
        State(PENDING, N_("Pending"), False, True, "to be handed to the SMTP server (or written to the mail folder)"),
        State("done", N_("Sent"), True, False, "accepted by the SMTP server, or written to the mail folder"),
        State("failed", N_("Failed"), True, True, "refused by the SMTP server for good, or every attempt failed"),
    ),
    {
        PENDING: {
            "done": "mailer: accepted",
            "failed": "mailer: a permanent refusal (5xx) or the last attempt",
            PENDING: "mailer: a temporary failure, retried with backoff",
        },
    },
)

WEBHOOKS = Queue(
    "webhooks",
    WebhookDelivery,
    (
        State(PENDING, N_("Pending"), False, True, "to be posted to the subscription's URL (again after a failure)"),
        State("done", N_("Delivered"), True, False, "the receiver answered 2xx"),
        State("failed", N_("Failed"), True, True, "a final 4xx, or every attempt failed"),
        State("refused", N_("Refused"), True, True, "the URL is not allowed (a private address): nothing was sent"),
    ),
    {
        PENDING: {
            "done": "webhook_sender: acknowledged",
            "failed": "webhook_sender: a final refusal or the last attempt",
            "refused": "webhook_sender: the guarded client refused the address",
            PENDING: "webhook_sender: a failure, retried with backoff; webhooks.retry_now",
        },
        "failed": {PENDING: "webhooks.retry_now: the subscriber asks for another try"},
        "refused": {PENDING: "webhooks.retry_now: the subscriber asks for another try"},
    },
    # Late means due and not taken: a chat server that is down for hours (its deliveries waiting for their next
    # attempt) is not this instance's ill health.
    since="next_attempt_at",
)

QUEUES = (INBOX, DELIVERIES, MAIL, WEBHOOKS)
