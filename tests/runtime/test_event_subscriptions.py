"""The version of a cluster's subscriptions, which publishers compare to know that the copy they
delivered from is the registry's: the same set in any order has one version; any change of a
subscription changes it."""

from __future__ import annotations

from restagen.runtime.events import EventSubscription, subscriptions_version

SUBSCRIPTIONS = (
    EventSubscription(
        type="shop.Placed", version="a1", component="mailer", handler="on_order", kind="service"
    ),
    EventSubscription(
        type="shop.Placed", version="a1", component="customer", handler="on_placed", kind="object"
    ),
    EventSubscription(
        type="shop.Cancelled", version="b2", component="mailer", handler="on_order", kind="service"
    ),
)


def test_the_same_subscriptions_in_any_order_have_one_version() -> None:
    version = subscriptions_version(SUBSCRIPTIONS)
    assert subscriptions_version(reversed(SUBSCRIPTIONS)) == version
    assert subscriptions_version(SUBSCRIPTIONS[1:] + SUBSCRIPTIONS[:1]) == version


def test_any_change_of_a_subscription_changes_the_version() -> None:
    version = subscriptions_version(SUBSCRIPTIONS)
    first = SUBSCRIPTIONS[0]
    changes = [
        {"type": "shop.Shipped"},
        {"version": "a2"},
        {"component": "ledger"},
        {"handler": "on_placed"},
        {"kind": "object"},
    ]
    versions = {
        subscriptions_version((first.model_copy(update=change), *SUBSCRIPTIONS[1:])) for change in changes
    }
    assert version not in versions and len(versions) == len(changes)
    assert subscriptions_version(SUBSCRIPTIONS[1:]) != version
    assert subscriptions_version(()) != version
