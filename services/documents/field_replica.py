"""Replicas of what field attachments are authorized by, fed by interventions and identity:
each intervention's customer and site, the customers' portal options, revoked secure links.

Handlers run inside the consumer's transaction and never commit; a duplicate or late delivery
changes nothing.
"""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from services.common.consumer import batched
from services.common.events import Event

from .models import FieldIntervention, FieldOptions, RevokedLink, db

DEFAULT_ROW = "default"
# interventions' built-in options (services/interventions/options.py), used until it announces
# the firm's own default.
BUILT_IN = {"portal_enabled": True, "attachments_shown": True, "gallery_shown": False}


class _Loose(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE


class _Ref(_Loose):
    id = fields.String(required=True)


class _Intervention(_Loose):
    id = fields.String(required=True)
    number = fields.String(load_default="")
    company = fields.Nested(_Ref, required=True)
    site = fields.Nested(_Ref, load_default=None, allow_none=True)


class InterventionEventData(_Loose):
    """What documents reads of `interventions.intervention.created` / `.status_changed`."""

    intervention = fields.Nested(_Intervention, required=True)


class _Options(_Loose):
    portal_enabled = fields.Boolean(load_default=None, allow_none=True)
    attachments_shown = fields.Boolean(load_default=None, allow_none=True)
    gallery_shown = fields.Boolean(load_default=None, allow_none=True)


class OptionsChangedData(_Loose):
    company_id = fields.String(required=True)
    options = fields.Nested(_Options, required=True)


@batched
def on_intervention(event: Event) -> None:
    data = InterventionEventData().load(event.data)["intervention"]
    row = db.session.get(FieldIntervention, data["id"], with_for_update=True)
    if row is None:
        row = FieldIntervention(intervention_id=data["id"])
        db.session.add(row)
    row.company_id = data["company"]["id"]
    row.site_id = data["site"]["id"] if data["site"] else None
    row.number = data["number"]


@batched
def on_options_changed(event: Event) -> None:
    data = OptionsChangedData().load(event.data)
    row = db.session.get(FieldOptions, data["company_id"], with_for_update=True)
    if row is not None and row.changed_at >= event.occurred_at:
        return
    if row is None:
        row = FieldOptions(company_id=data["company_id"])
        db.session.add(row)
    for name, value in data["options"].items():
        setattr(row, name, value)
    row.changed_at = event.occurred_at


@batched
def on_link_revoked(event: Event) -> None:
    link_id = _Ref().load(event.data)["id"]
    if db.session.get(RevokedLink, link_id) is None:
        db.session.add(RevokedLink(link_id=link_id, revoked_at=event.occurred_at))


def effective_options(company_id: str) -> dict:
    """The customer's own options over the firm's default over the built-in ones."""
    own = db.session.get(FieldOptions, company_id)
    default = db.session.get(FieldOptions, DEFAULT_ROW)
    answer = {}
    for name, built_in in BUILT_IN.items():
        for row in (own, default):
            value = getattr(row, name) if row is not None else None
            if value is not None:
                answer[name] = value
                break
        else:
            answer[name] = built_in
    return answer


def link_revoked(link_id: str) -> bool:
    return db.session.get(RevokedLink, link_id) is not None


HANDLERS: dict = {
    "interventions.intervention.created": [on_intervention],
    "interventions.intervention.status_changed": [on_intervention],
    "interventions.portal_options.changed": [on_options_changed],
    "identity.link.revoked": [on_link_revoked],
}
