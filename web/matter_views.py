"""The person's matters (contracts and cases): the portal's home page."""

from __future__ import annotations

from flask import Blueprint, render_template

from . import current

blp = Blueprint("matters", __name__, url_prefix="/portal")


@blp.get("/")
@current.sign_in_required
def index() -> str:
    return render_template("matters/index.html")
