"""A primary representative manages their company's representatives: lists, invites (a
secondary, invited by e-mail), deactivates; never themselves, never another company's."""

from __future__ import annotations

from .helpers import make_company, make_user, outbox, sign_in


def _primary(app, client, company: str, email: str = "prima@client.example"):
    user_id = make_user(app, email, companies=((company, "primary"),))
    return sign_in(client, email, user_id)


def _url(company: str, user_id: str = "") -> str:
    return f"/api/v1/portal/companies/{company}/representatives" + (
        f"/{user_id}" if user_id else ""
    )


def test_primary_invites_lists_and_deactivates(app, client):
    company = make_company(app)
    prima = _primary(app, client, company)
    invited = client.post(
        _url(company),
        json={"email": "New@Client.example", "name": "New One", "locale": "es"},
        headers=prima.headers,
    )
    assert invited.status_code == 201, invited.get_json()
    assert invited.get_json()["role"] == "secondary"
    assert invited.get_json()["status"] == "invited"
    (sent,) = [e for e in outbox(app) if e["type"] == "identity.invitation.sent"]
    assert sent["data"]["user"]["email"] == "new@client.example"
    assert sent["data"]["user"]["locale"] == "es"
    listed = client.get(_url(company), headers=prima.headers).get_json()["items"]
    assert [(r["email"], r["role"], r["active"]) for r in listed] == [
        ("prima@client.example", "primary", True),
        ("new@client.example", "secondary", True),
    ]
    again = client.post(
        _url(company), json={"email": "new@client.example", "name": "x"}, headers=prima.headers
    )
    assert again.status_code == 409
    gone = client.delete(_url(company, invited.get_json()["user_id"]), headers=prima.headers)
    assert gone.status_code == 204
    listed = client.get(_url(company), headers=prima.headers).get_json()["items"]
    assert [r["active"] for r in listed] == [True, False]


def test_never_themselves_never_another_company_never_a_secondary(app, client):
    mine, theirs = make_company(app, "Mine"), make_company(app, "Theirs")
    prima = _primary(app, client, mine)
    other = make_user(app, "other@client.example", companies=((theirs, "secondary"),))
    second_id = make_user(app, "second@client.example", companies=((mine, "secondary"),))
    second = sign_in(client, "second@client.example", second_id)

    self_off = client.delete(_url(mine, prima.user_id), headers=prima.headers)
    assert self_off.status_code == 409 and self_off.get_json()["code"] == "CANNOT_DEACTIVATE_SELF"
    assert client.get(_url(theirs), headers=prima.headers).status_code == 404
    assert client.delete(_url(theirs, other), headers=prima.headers).status_code == 404
    assert client.delete(_url(mine, other), headers=prima.headers).status_code == 404
    assert client.get(_url(mine), headers=second.headers).status_code == 404
    invite = client.post(
        _url(mine), json={"email": "x@client.example", "name": "X"}, headers=second.headers
    )
    assert invite.status_code == 404
    assert [e for e in outbox(app) if e["type"] == "identity.membership.changed"] == []
