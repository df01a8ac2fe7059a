"""Who sees a matter moves with identity's facts and the firm's choices, and every move is
announced with the full audience and a higher version."""

from __future__ import annotations

from .world import World


def shared_matter(world: World, **company):
    acme = world.company("Acme Industries", **company)
    rita, walt, wendy = (world.client(n, acme) for n in ("Rita", "Walt", "Wendy"))
    mia = world.client("Mia", acme)  # a plain member, neither requester nor watcher
    mid = world.new_matter(acme)["id"]
    assert world.show(mid, rita, [walt, wendy]).status_code == 200
    return acme, mid, rita, walt, wendy, mia


def ids(items: list[dict]) -> list[str]:
    return [item["id"] for item in items]


def test_members_see_each_others_matters_while_the_company_allows_it(world: World):
    acme, mid, rita, walt, _, mia = shared_matter(world)
    assert world.portal_matters(mia) == []
    version = world.audience_events(mid)[-1]["version"]

    world.company("Acme Industries", members_see_each_other=True, id=acme)
    [seen] = world.portal_matters(mia)
    assert seen["id"] == mid and seen["reasons"] == ["company"]
    assert world.portal_matters(rita)[0]["reasons"] == ["requester", "company"]
    event = world.audience_events(mid)[-1]
    assert event["version"] == version + 1
    assert world.latest_audience(mid)[mia.id] == ["company"]
    assert world.latest_audience(mid)[walt.id] == ["watcher", "company"]

    world.company("Acme Industries", members_see_each_other=False, id=acme)
    assert world.portal_matters(mia) == []
    assert mia.id not in world.latest_audience(mid)
    assert world.audience_events(mid)[-1]["version"] == version + 2
    detail = world.http.get(f"/api/v1/portal/matters/{mid}", headers=world.as_portal(mia))
    assert detail.status_code == 404


def test_a_renamed_company_moves_nobody(world: World):
    acme, mid, *_ = shared_matter(world)
    before = len(world.audience_events(mid))
    world.company("Acme Industries SA", id=acme)
    assert len(world.audience_events(mid)) == before
    assert world.portal_matters(_[0])[0]["company"]["name"] == "Acme Industries SA"


def test_a_deactivated_member_loses_access_and_gets_it_back_when_reactivated(world: World):
    acme, mid, rita, walt, wendy, _ = shared_matter(world)
    world.member(walt, acme, active=False)
    assert world.portal_matters(walt) == []
    assert set(world.latest_audience(mid)) == {rita.id, wendy.id}
    gone = world.http.get(f"/api/v1/portal/matters/{mid}", headers=world.as_portal(walt))
    assert gone.status_code == 404 and gone.json["code"] == "MATTER_NOT_FOUND"
    # The firm still sees Walt as a watcher: the choice stands, the company rule gates it.
    matter = world.http.get(f"/api/v1/matters/{mid}", headers=world.as_staff()).json
    assert walt.id in [w["id"] for w in matter["portal"]["watchers"]]

    world.member(walt, acme, active=True)
    assert ids(world.portal_matters(walt)) == [mid]


def test_a_member_of_a_company_open_to_members_enters_and_leaves_every_shown_matter(
    world: World,
):
    acme, mid, rita, *_ = shared_matter(world, members_see_each_other=True)
    other = world.new_matter(acme)["id"]
    assert world.show(other, rita).status_code == 200
    hidden = world.new_matter(acme)["id"]  # never shown: nobody's
    elsewhere = world.company("Globex", members_see_each_other=True)
    theirs = world.new_matter(elsewhere)["id"]
    assert world.show(theirs, world.client("Gus", elsewhere)).status_code == 200

    nora = world.user("Nora")
    world.member(nora, elsewhere)  # a member of the other company first: sees its matter only
    assert ids(world.portal_matters(nora)) == [theirs]
    world.member(nora, acme)  # joins after both of Acme's matters were shown
    assert set(ids(world.portal_matters(nora))) == {mid, other, theirs}
    assert world.latest_audience(mid)[nora.id] == ["company"]
    assert hidden not in ids(world.portal_matters(nora))

    world.member(nora, acme, active=False)  # leaves Acme: its matters go, Globex's stays
    assert ids(world.portal_matters(nora)) == [theirs]
    assert nora.id not in world.latest_audience(other)


def test_a_role_change_that_moves_nobody_announces_nothing(world: World):
    acme, mid, _, walt, *__ = shared_matter(world)
    before = len(world.audience_events(mid))
    world.member(walt, acme, role="secondary")
    assert len(world.audience_events(mid)) == before


def test_removing_a_watcher_removes_their_access_and_adding_one_tells_only_them(world: World):
    acme, mid, rita, walt, wendy, mia = shared_matter(world)
    published = len(world.outbox(mid, "sharing.matter.published"))
    assert world.show(mid, rita, [walt]).status_code == 200
    assert world.portal_matters(wendy) == []
    assert set(world.latest_audience(mid)) == {rita.id, walt.id}
    assert len(world.outbox(mid, "sharing.matter.published")) == published  # nobody new

    assert world.show(mid, rita, [walt, mia]).status_code == 200
    newest = world.outbox(mid, "sharing.matter.published")[-1]["data"]
    assert [(p["user_id"], p["as"]) for p in newest["shared_with"]] == [(mia.id, "watcher")]
    assert ids(world.portal_matters(mia)) == [mid]


def test_changing_only_the_attachments_default_is_announced(world: World):
    _, mid, rita, walt, wendy, _ = shared_matter(world)
    before = world.audience_events(mid)[-1]
    assert world.show(mid, rita, [walt, wendy], attachments=True).status_code == 200
    after = world.audience_events(mid)[-1]
    assert after["version"] == before["version"] + 1
    assert after["attachments_visible_by_default"] is True
    assert after["audience"] == before["audience"]
    # The same settings again change nothing and announce nothing.
    assert world.show(mid, rita, [walt, wendy], attachments=True).status_code == 200
    assert world.audience_events(mid)[-1] == after


def test_hiding_empties_the_audience_and_showing_again_tells_everyone(world: World):
    acme, mid, rita, walt, wendy, _ = shared_matter(world)
    hidden = world.http.delete(f"/api/v1/matters/{mid}/portal", headers=world.as_staff())
    assert hidden.status_code == 204
    event = world.audience_events(mid)[-1]
    assert event["visible"] is False and event["audience"] == []
    unpublished = world.outbox(mid, "sharing.matter.unpublished")[-1]["data"]
    assert unpublished["matter"]["id"] == mid
    assert unpublished["matter"]["company_name"] == "Acme Industries"
    for person in (rita, walt, wendy):
        assert world.portal_matters(person) == []
    again = world.http.delete(f"/api/v1/matters/{mid}/portal", headers=world.as_staff())
    assert again.status_code == 204
    assert len(world.outbox(mid, "sharing.matter.unpublished")) == 1

    assert world.show(mid, rita, [walt, wendy]).status_code == 200
    shared = world.outbox(mid, "sharing.matter.published")[-1]["data"]["shared_with"]
    assert {p["user_id"] for p in shared} == {rita.id, walt.id, wendy.id}


def test_collaborators_join_and_leave_the_audience(world: World):
    acme, mid, *_ = shared_matter(world)
    globex = world.company("Globex")
    sam = world.client("Sam", globex)
    added = world.http.post(
        f"/api/v1/matters/{mid}/collaborators",
        json={"user_id": sam.id, "role": "signee"},
        headers=world.as_staff(),
    )
    assert added.status_code == 201
    assert world.latest_audience(mid)[sam.id] == ["collaborator"]
    removed = world.http.delete(
        f"/api/v1/matters/{mid}/collaborators/{added.json['id']}", headers=world.as_staff()
    )
    assert removed.status_code == 204
    assert sam.id not in world.latest_audience(mid)
    assert world.portal_matters(sam) == []


def test_collaborators_of_a_hidden_matter_are_told_when_it_is_shown(world: World):
    acme = world.company("Acme Industries")
    rita, alice = world.client("Rita", acme), world.client("Alice", acme)
    mid = world.new_matter(acme)["id"]
    world.http.post(
        f"/api/v1/matters/{mid}/collaborators",
        json={"user_id": alice.id, "role": "approver"},
        headers=world.as_staff(),
    )
    assert world.outbox(mid, "sharing.collaborator.added") == []
    assert world.latest_audience(mid) == {}
    assert world.show(mid, rita).status_code == 200
    [told] = world.outbox(mid, "sharing.collaborator.added")
    assert told["data"]["collaborator"]["user_id"] == alice.id
    assert world.latest_audience(mid) == {rita.id: ["requester"], alice.id: ["collaborator"]}
    world.http.delete(f"/api/v1/matters/{mid}/portal", headers=world.as_staff())
    assert world.show(mid, rita).status_code == 200
    assert len(world.outbox(mid, "sharing.collaborator.added")) == 1  # told once


def test_a_disabled_user_leaves_every_audience(world: World):
    acme, mid, rita, walt, wendy, _ = shared_matter(world)
    world.user("Walt", status="disabled", id=walt.id)
    assert set(world.latest_audience(mid)) == {rita.id, wendy.id}
    world.user("Walt", status="active", id=walt.id)
    assert set(world.latest_audience(mid)) == {rita.id, walt.id, wendy.id}


def test_archiving_a_shown_matter_hides_it_and_it_cannot_be_shown_until_unarchived(world: World):
    acme, mid, rita, walt, *_ = shared_matter(world)
    archived = world.http.post(f"/api/v1/matters/{mid}/archive", headers=world.as_staff())
    assert archived.status_code == 200
    assert archived.json["archived"] is True and archived.json["portal"]["visible"] is False
    assert world.portal_matters(walt) == []
    refused = world.show(mid, rita)
    assert refused.status_code == 409 and refused.json["code"] == "MATTER_ARCHIVED"
    world.http.post(f"/api/v1/matters/{mid}/unarchive", headers=world.as_staff())
    assert world.show(mid, rita).status_code == 200


def test_versions_only_ever_increase(world: World):
    acme, mid, rita, walt, wendy, mia = shared_matter(world)
    world.company("Acme Industries", members_see_each_other=True, id=acme)
    world.member(mia, acme, active=False)
    world.show(mid, rita, [wendy])
    versions = [e["version"] for e in world.audience_events(mid)]
    assert versions == list(range(1, len(versions) + 1))
