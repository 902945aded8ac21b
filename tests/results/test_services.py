"""The campaign's figures against a hand count, to the cent; the filters; the query bill."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from expo.enterprises.models import Enterprise, KeyEnterpriseMembership
from expo.extensions import db
from expo.results import services
from expo.results.services import Filters
from tests.factories import make_enterprise
from tests.results.conftest import MAY, deal, event_at, report


def test_the_campaigns_figures_match_a_hand_count_to_the_cent(world):
    found = services.results(Filters(campaign_id=world["campaign"].id), language="en")
    head = found.headline
    assert (head.enterprises, head.events, head.delegates, head.host_countries) == (4, 2, 7, 2)
    assert head.reports_confirmed == 2 and head.reports_awaiting == 1
    assert head.buyers_met == 17 and head.new_customers == 3
    amounts = head.amounts
    assert amounts.on_site_usd == Decimal("13563.54")  # 13563.04 + 0.50
    assert amounts.on_site_cny == Decimal("98147.55")  # 98143.93 + 3.62
    assert amounts.after_usd == Decimal("3395.06")
    assert amounts.signed_usd == Decimal("16958.60")
    assert amounts.signed_cny == Decimal("122715.43")
    assert amounts.intended_usd == Decimal("108.55")
    assert amounts.intended_cny == Decimal("785.51")
    assert amounts.unconverted == 1
    assert head.markets == 4  # HU, DE, ID, US

    markets = {row.label: row.amounts.signed_usd for row in found.by_market}
    assert markets == {
        "Hungary": Decimal("13563.04"),
        "Germany": Decimal("3395.06"),
        "Indonesia": Decimal("0.50"),
        "United States": Decimal("0.00"),
    }
    regions = {row.key: row.amounts.signed_usd for row in found.by_region}
    assert regions == {
        "asean": Decimal("0.50"),
        "europe": Decimal("16958.10"),
        "north_america": Decimal("0.00"),
    }
    prefectures = {row.label: row.amounts.signed_cny for row in found.by_prefecture}
    assert prefectures == {"Chengdu": Decimal("122711.81"), "Mianyang": Decimal("3.62")}
    industries = {row.key: row.amounts.intended_usd for row in found.by_industry}
    assert industries == {"electronics": Decimal("0.00"), "tea": Decimal("108.55")}

    events = {figures.event.title_en: figures for figures in found.events}
    assert events["Budapest Fair"].amounts.signed_usd == Decimal("16958.10")
    assert events["Budapest Fair"].reports_confirmed == 1
    assert events["Budapest Fair"].delegates == 3
    assert events["Jakarta Fair"].enterprises == 2 and events["Jakarta Fair"].buyers_met == 5

    # The year before: the 2026 campaign.
    assert found.previous is not None
    assert found.previous.amounts.signed_usd == Decimal("500.00")
    assert found.previous.enterprises == 1
    # Coverage of the 2027 list: Chengdu's one key enterprise took part.
    assert [(row.label, row.members, row.applied) for row in found.coverage] == [("Chengdu", 1, 1)]


def test_a_year_is_counted_on_chinas_clock(world):
    found = services.results(Filters(year=2027), language="en")
    # Jakarta starts on 31 Dec 2026 in UTC, on 1 Jan 2027 in China: in 2027.
    assert {figures.event.title_en for figures in found.events} == {
        "Budapest Fair",
        "Jakarta Fair",
    }
    assert found.headline.amounts.signed_usd == Decimal("16958.60")
    assert found.previous is not None and found.previous.amounts.signed_usd == Decimal("500.00")
    assert services.results(Filters(year=2026)).headline.amounts.signed_usd == Decimal("500.00")


def test_the_filters_narrow_the_figures(world):
    campaign = world["campaign"].id
    by_prefecture = services.results(Filters(campaign_id=campaign, prefecture="510700"))
    assert by_prefecture.headline.amounts.signed_usd == Decimal("0.50")
    assert by_prefecture.headline.enterprises == 1
    by_industry = services.results(Filters(campaign_id=campaign, industry="tea"))
    assert by_industry.headline.amounts.signed_cny == Decimal("122711.81")
    by_region = services.results(Filters(campaign_id=campaign, region="europe"))
    assert by_region.headline.amounts.signed_usd == Decimal("16958.10")
    assert by_region.headline.amounts.intended_usd == Decimal("108.55")
    other = services.results(Filters(campaign_id=campaign, region="other"))
    assert other.headline.amounts.lines == 0
    key = services.results(Filters(campaign_id=campaign, key="key"))
    assert key.headline.amounts.signed_usd == Decimal("16958.10")
    assert key.headline.enterprises == 1
    not_key = services.results(Filters(campaign_id=campaign, key="other"))
    assert not_key.headline.amounts.signed_usd == Decimal("0.50")
    assert not_key.headline.enterprises == 3
    one_event = services.results(Filters(campaign_id=campaign, event_id=world["jakarta"].id))
    assert one_event.headline.events == 1
    assert one_event.headline.amounts.signed_usd == Decimal("0.50")


def test_the_enterprises_own_results(world):
    chengdu = db.session.scalars(
        sa.select(KeyEnterpriseMembership.enterprise_id).where(KeyEnterpriseMembership.year == 2027)
    ).one()
    own = services.enterprise_results(db.session.get(Enterprise, chengdu))
    assert [application.event.title_en for application, _r, _a in own.applications] == [
        "Budapest Fair",
        "Old Fair",
    ]
    assert [(year.year, year.amounts.signed_usd) for year in own.years] == [
        (2027, Decimal("16958.10")),
        (2026, Decimal("500.00")),
    ]


def count_queries(run) -> int:
    statements: list[str] = []

    def record(*args, **kwargs):
        statements.append(args[2])

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        run()
        return len(statements)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def test_the_figures_cost_the_same_queries_at_any_size(world):
    campaign = world["campaign"]

    def run():
        services.results(Filters(campaign_id=campaign.id, key="key"))

    db.session.expire_all()
    few = count_queries(run)
    for number in range(6):
        event = event_at(campaign, MAY + timedelta(days=number), country="FR")
        for _ in range(4):
            report(
                event,
                make_enterprise(prefecture="511100"),
                "confirmed",
                [deal("signed_on_site", "FR", "10.00", "72.00") for _ in range(3)],
            )
    db.session.flush()
    db.session.expire_all()
    assert count_queries(run) == few


def test_drawing_charts_leaves_imports_of_missing_modules_as_import_errors():
    """pygal's plug-in finder would turn them into AttributeError, which optional imports
    (Redis' client probing for its accelerators) do not expect."""
    import importlib

    from expo.results import charts  # noqa: F401

    with pytest.raises(ImportError):
        importlib.import_module("expo_no_such_module")
