"""HTML pages for spaces: the list and a space's page (week view, booking form)."""
from __future__ import annotations

from flask import Blueprint, render_template

from spaces import services

bp = Blueprint("spaces", __name__)


@bp.route("/spaces")
def space_list():
    from spaces.schemas import SpaceQuery

    spaces = services.search_spaces(SpaceQuery())
    return render_template("spaces/list.html", spaces=spaces)


@bp.route("/spaces/<int:space_id>")
def space_page(space_id: int):
    space = services.get_space(space_id)
    return render_template("spaces/detail.html", space=space)
