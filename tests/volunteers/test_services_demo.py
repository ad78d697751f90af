"""The demo's volunteers, activities and shifts; generated volunteers in bulk; both safe to run twice."""
from sqlalchemy import func, select

from commons.extensions import db
from commons.models import User
from volunteers.models import Activity, Shift, ShiftSignup, VolunteerProfile


def counts():
    return tuple(db.session.execute(select(func.count()).select_from(m)).scalar_one() for m in (VolunteerProfile, Activity, Shift, ShiftSignup, User))


def test_demo_data_twice_with_generated_volunteers(app, runner):
    r = runner.invoke(args=["demo-data", "--volunteers", "300"])
    assert r.exit_code == 0, r.output
    assert "Generated 300 volunteers" in r.output
    with app.app_context():
        first = counts()
        ville = db.session.execute(
            select(VolunteerProfile).join(User, User.id == VolunteerProfile.user_id).where(User.email == "volunteer@commons.localhost")
        ).scalar_one()
        assert set(ville.languages) == {"sv", "fi"} and "Kallio" in ville.districts
        assert any(w["weekday"] == 1 and w["start"] >= 17 * 60 for w in ville.availability)  # Tuesday evenings
        titles = set(db.session.execute(select(Activity.title)).scalars())
        assert {"Language café", "Reading circle helpers", "Chess for beginners"} <= titles
        linked = db.session.execute(select(func.count()).select_from(Activity).where(Activity.booking_id.is_not(None))).scalar_one()
        assert linked >= 2
        db.session.remove()
    r = runner.invoke(args=["demo-data", "--volunteers", "300"])
    assert r.exit_code == 0, r.output
    with app.app_context():
        assert counts() == first  # replaced, not added to
        db.session.remove()


def test_demo_volunteer_gets_recommendations(app, runner, client):
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    from tests.conftest import Api

    r = runner.invoke(args=["users", "token", "volunteer@commons.localhost"])
    token = r.output.split()[-1]
    api = Api(app.test_client(), token)
    matches = api.get("/volunteers/me/matches").get_json()
    assert matches and any(m["activity"] == "Language café" for m in matches)
