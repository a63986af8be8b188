"""AS2 builders, collections and NodeInfo documents."""

from datetime import UTC, datetime

import pytest

from activitypub.as2 import (
    AS_PUBLIC,
    activity,
    as_list,
    default_context,
    format_datetime,
    hashtag,
    id_of,
    is_public,
    mention,
    property_value,
    tombstone,
    with_context,
)
from activitypub.collections import ordered_collection, ordered_collection_page
from activitypub.nodeinfo import NODEINFO_21_SCHEMA, nodeinfo_document, nodeinfo_links

WHEN = datetime(2025, 3, 1, 12, 30, 5, 123456, tzinfo=UTC)


def test_default_context_has_as2_security_and_extension_terms():
    context = default_context({"sk": "https://skills.example/ns#", "skills": {"@id": "sk:skills", "@type": "@id"}})
    assert context[:2] == ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"]
    terms = context[2]
    assert terms["PropertyValue"] == "schema:PropertyValue" and terms["value"] == "schema:value"
    assert terms["featuredTags"] == {"@id": "toot:featuredTags", "@type": "@id"}
    assert terms["discoverable"] == "toot:discoverable" and terms["indexable"] == "toot:indexable"
    assert terms["acceptedAnswer"]["@id"] == "schema:acceptedAnswer"
    assert terms["skills"] == {"@id": "sk:skills", "@type": "@id"}
    assert "skills" not in default_context()[2]


def test_with_context_puts_context_first():
    document = with_context({"id": "https://a.example/1", "type": "Note"})
    assert list(document) == ["@context", "id", "type"]


def test_id_of_and_as_list():
    assert id_of("https://a.example/1") == "https://a.example/1"
    assert id_of({"id": "https://a.example/1", "type": "Person"}) == "https://a.example/1"
    assert id_of(["https://a.example/1"]) == "https://a.example/1"
    assert id_of(["https://a.example/1", "https://a.example/2"]) is None
    assert id_of({"type": "Person"}) is None and id_of(42) is None and id_of(None) is None
    assert as_list(None) == [] and as_list("x") == ["x"] and as_list(["x"]) == ["x"]


@pytest.mark.parametrize("audience", [AS_PUBLIC, "as:Public", "Public", [AS_PUBLIC, "https://a.example/followers"]])
def test_is_public_accepts_every_spelling(audience):
    assert is_public({"to": audience})
    assert is_public({"cc": audience})


def test_followers_only_is_not_public():
    assert not is_public({"to": ["https://a.example/followers"], "cc": []})


def test_activity_builder():
    built = activity(
        "Create",
        "https://a.example/users/alice",
        {"type": "Question"},
        id="https://a.example/c/1",
        to=[AS_PUBLIC],
        cc=["https://a.example/users/alice/followers"],
        published=WHEN,
    )
    assert built == {
        "id": "https://a.example/c/1",
        "type": "Create",
        "actor": "https://a.example/users/alice",
        "object": {"type": "Question"},
        "to": [AS_PUBLIC],
        "cc": ["https://a.example/users/alice/followers"],
        "published": "2025-03-01T12:30:05Z",
    }
    assert "to" not in activity("Follow", "https://a.example/u", "https://b.example/u", id="https://a.example/f/1")


def test_small_builders():
    assert tombstone("https://a.example/q/1", "Question", WHEN) == {
        "id": "https://a.example/q/1",
        "type": "Tombstone",
        "formerType": "Question",
        "deleted": "2025-03-01T12:30:05Z",
    }
    assert hashtag("#python", "https://a.example/tags/python")["name"] == "#python"
    assert hashtag("python", "https://a.example/tags/python")["name"] == "#python"
    assert mention("https://b.example/users/bob", "bob@b.example")["name"] == "@bob@b.example"
    assert property_value("Organization", "ACME") == {"type": "PropertyValue", "name": "Organization", "value": "ACME"}


def test_naive_datetimes_are_taken_as_utc():
    assert format_datetime(datetime(2025, 1, 2, 3, 4, 5)) == "2025-01-02T03:04:05Z"


def test_ordered_collection_with_first_page():
    collection = ordered_collection("https://a.example/u/followers", 42, first="https://a.example/u/followers?page=1")
    assert collection == {
        "id": "https://a.example/u/followers",
        "type": "OrderedCollection",
        "totalItems": 42,
        "first": "https://a.example/u/followers?page=1",
    }


def test_ordered_collection_with_inline_items():
    collection = ordered_collection("https://a.example/q/1/tags", 2, items=["a", "b"])
    assert collection["orderedItems"] == ["a", "b"] and "first" not in collection


def test_ordered_collection_page_links():
    page = ordered_collection_page(
        "https://a.example/o?page=2",
        "https://a.example/o",
        ["x"],
        next="https://a.example/o?page=3",
        prev="https://a.example/o?page=1",
    )
    assert page == {
        "id": "https://a.example/o?page=2",
        "type": "OrderedCollectionPage",
        "partOf": "https://a.example/o",
        "next": "https://a.example/o?page=3",
        "prev": "https://a.example/o?page=1",
        "orderedItems": ["x"],
    }
    last = ordered_collection_page("https://a.example/o?page=3", "https://a.example/o", [])
    assert "next" not in last and last["orderedItems"] == []


def test_nodeinfo_document():
    document = nodeinfo_document(
        software_name="skiller",
        software_version="0.1.0",
        repository="https://code.example/skiller",
        users_total=10,
        active_month=5,
        active_halfyear=8,
        local_posts=100,
        open_registrations=False,
        metadata={"nodeName": "Skills"},
    )
    assert document["version"] == "2.1"
    assert document["software"] == {"name": "skiller", "version": "0.1.0", "repository": "https://code.example/skiller"}
    assert document["protocols"] == ["activitypub"]
    assert document["usage"] == {"users": {"total": 10, "activeMonth": 5, "activeHalfyear": 8}, "localPosts": 100}
    assert document["openRegistrations"] is False and document["metadata"] == {"nodeName": "Skills"}


@pytest.mark.parametrize("name", ["Skiller", "skiller node", "", "skillér"])
def test_nodeinfo_software_name_follows_the_schema(name):
    with pytest.raises(ValueError):
        nodeinfo_document(
            software_name=name,
            software_version="1",
            users_total=0,
            active_month=0,
            active_halfyear=0,
            local_posts=0,
            open_registrations=True,
        )


def test_nodeinfo_links():
    assert nodeinfo_links("https://a.example/nodeinfo/2.1") == {
        "links": [{"rel": NODEINFO_21_SCHEMA, "href": "https://a.example/nodeinfo/2.1"}]
    }
