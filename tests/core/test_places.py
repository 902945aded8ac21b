"""The rules for countries, regions and time zones (``expo/places/places.toml``)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pycountry
import pytest
from babel.dates import get_timezone_location

from expo import places
from expo.i18n import is_timezone

REGIONS = {
    "zh": [("HK", "中国香港"), ("MO", "中国澳门"), ("TW", "中国台湾")],
    "en": [("HK", "Hong Kong, China"), ("MO", "Macao, China"), ("TW", "Taiwan, China")],
}
NOT_MARKETS = ("AQ", "BV", "HM", "UM", "TF", "GS", "IO")


class TestCountries:
    @pytest.mark.parametrize("purpose", ["market", "nationality"])
    @pytest.mark.parametrize("language", ["zh", "en"])
    def test_china_first_then_its_regions_named_as_parts_of_it(self, purpose, language):
        listed = places.country_choices(purpose, language)
        china = "中国" if language == "zh" else "China"
        assert listed[:4] == [("CN", china), *REGIONS[language]]
        codes = [code for code, _name in listed]
        assert len(codes) == len(set(codes))  # the regions appear once, after China only

    @pytest.mark.parametrize("language", ["zh", "en"])
    def test_regions_are_never_named_as_peers_of_china(self, language):
        for code, name in REGIONS[language]:
            assert places.country_name(code, language) == name
        names = {name for _code, name in places.country_choices("any", language)}
        assert not names & {"台湾", "Taiwan", "中国香港特别行政区", "Hong Kong SAR China"}

    def test_chinese_sorted_by_pinyin(self):
        listed = [name for _code, name in places.country_choices("market", "zh")[4:]]
        # ā'ěr (阿尔巴尼亚) before ā'fù (阿富汗) before ā'gēn (阿根廷); zh… comes last.
        assert listed[:3] == ["阿尔巴尼亚", "阿尔及利亚", "阿富汗"]
        assert listed.index("阿富汗") < listed.index("阿根廷") < listed.index("埃及")
        assert listed.index("巴西") < listed.index("德国") < listed.index("法国")
        assert listed.index("秘鲁") < listed.index("冰岛")  # 秘鲁 is Bìlǔ, not Mìlǔ
        assert listed.index("日本") < listed.index("瑞士") < listed.index("匈牙利")

    def test_english_sorted_alphabetically_ignoring_accents(self):
        listed = [name for _code, name in places.country_choices("market", "en")[4:]]
        assert listed[0] == "Afghanistan"
        assert listed.index("Åland Islands") < listed.index("Albania")
        assert listed == sorted(listed, key=lambda name: places.sort_key(name, "en"))
        assert listed[-1] == "Zimbabwe"

    @pytest.mark.parametrize("language", ["zh", "en"])
    def test_no_antarctica_or_other_non_markets_in_market_lists(self, language):
        markets = {code for code, _name in places.country_choices("market", language)}
        assert markets.isdisjoint(NOT_MARKETS)
        assert {"CN", "HK", "MO", "TW", "US", "HU", "MY"} <= markets

    def test_nationality_only_where_people_hold_it(self):
        nationalities = {code for code, _ in places.country_choices("nationality", "zh")}
        assert "AQ" not in nationalities and "BV" not in nationalities
        assert {"PN", "TK", "FK", "HK", "MO", "TW"} <= nationalities  # small but inhabited

    def test_every_stored_code_stays_valid_and_named(self):
        # Whatever was ever offered (ISO 3166-1) is still accepted and has a name.
        for country in pycountry.countries:
            assert country.alpha_2 in places.country_codes()
            for language in ("zh", "en"):
                name = places.country_name(country.alpha_2, language)
                assert name and name != country.alpha_2
        assert places.country_name("aq", "zh") == places.country_name("AQ", "zh")

    def test_sorting_some_codes_follows_the_lists(self):
        assert places.sort_codes(["HU", "TW", "AL", "CN"], "zh") == ["CN", "TW", "AL", "HU"]
        assert places.sort_codes(["HU", "TW", "AL", "CN"], "en") == ["CN", "TW", "AL", "HU"]


class TestZones:
    def test_china_has_one_zone_beijing_time(self):
        assert places.zones_of("CN") == ("Asia/Shanghai",)
        assert places.single_zone("cn") == "Asia/Shanghai"

    def test_malaysia_offers_kuala_lumpur_among_its_zones(self):
        assert "Asia/Kuala_Lumpur" in places.zones_of("MY")
        assert places.single_zone("MY") is None  # Kuala Lumpur and Kuching: a choice

    def test_hungary_and_thailand_have_one_zone(self):
        assert places.single_zone("HU") == "Europe/Budapest"
        assert places.single_zone("TH") == "Asia/Bangkok"

    def test_the_united_states_offers_several_zones(self):
        zones = places.zones_of("US")
        assert len(zones) > 4
        assert {"America/New_York", "America/Chicago", "America/Los_Angeles"} <= set(zones)

    def test_no_deprecated_aliases_are_offered(self):
        offered = places.canonical_zones()
        for alias in ("Asia/Calcutta", "America/Buenos_Aires", "Africa/Asmera", "Asia/Saigon"):
            assert alias not in offered
            assert is_timezone(alias)  # a zone stored before still works
        assert {"Asia/Kolkata", "America/Argentina/Buenos_Aires", "Asia/Ho_Chi_Minh"} <= offered

    @pytest.mark.parametrize("language", ["zh", "en"])
    def test_option_is_the_city_in_the_readers_language_and_the_offset(self, language):
        city = get_timezone_location(
            ZoneInfo("Asia/Kuala_Lumpur"), locale=language, return_city=True
        )
        assert places.zone_option("Asia/Kuala_Lumpur", language) == f"{city} (UTC+08:00)"
        assert "Asia/" not in city

    def test_offsets_follow_summer_time_at_the_moment_asked(self):
        winter = datetime(2027, 1, 15, tzinfo=UTC)
        summer = datetime(2027, 7, 15, tzinfo=UTC)
        assert places.utc_offset("America/New_York", winter) == "UTC-05:00"
        assert places.utc_offset("America/New_York", summer) == "UTC-04:00"
        assert places.utc_offset("Asia/Kolkata", winter) == "UTC+05:30"

    def test_china_time_is_named_as_china_names_it(self):
        assert places.zone_name("Asia/Shanghai", "zh") == "北京时间 (UTC+08:00)"
        assert places.zone_name("Asia/Shanghai", "en") == "Beijing Time (UTC+08:00)"
        assert places.zone_option("Asia/Shanghai", "zh") == "北京时间 (UTC+08:00)"

    def test_picker_groups_the_chosen_country_first(self):
        groups = places.zone_groups("en", ["MY"])
        assert groups[0][0] == "MY" and groups[1][0] == "CN"
        assert [code for code, _name, _zones in groups[2:5]] == ["HK", "MO", "TW"]
        assert all(code not in NOT_MARKETS for code, _name, _zones in groups)
