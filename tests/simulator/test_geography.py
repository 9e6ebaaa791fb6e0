import pytest

from wayra.money import MINOR_UNIT_EXPONENTS
from wayra.simulator import (
    SIMULATED_AIRPORTS,
    SIMULATED_CITIES,
    airport,
    city_code_for_airport,
    great_circle_km,
)


def test_airports_are_curated_hubs_with_convertible_currencies():
    assert len(SIMULATED_AIRPORTS) >= 30
    for iata, a in SIMULATED_AIRPORTS.items():
        assert a.iata == iata and len(iata) == 3 and iata.isupper()
        assert a.currency in MINOR_UNIT_EXPONENTS
        assert len(a.country) == 2
        assert a.city_type in ("business", "leisure", "mixed")
        assert "/" in a.tz
        # the airport is near (not at) its city's centre
        assert abs(a.latitude - a.centre_latitude) < 1.0
        assert abs(a.longitude - a.centre_longitude) < 1.0
    assert {"LON", "PAR", "NYC", "TYO"} <= set(SIMULATED_CITIES)


def test_metro_codes_and_fallbacks():
    assert city_code_for_airport("LHR") == city_code_for_airport("LGW") == "LON"
    assert city_code_for_airport("HND") == "TYO"
    assert city_code_for_airport("EWR") == "NYC"
    assert city_code_for_airport("BHX") == "BHX"  # known to airportsdata, not simulated
    with pytest.raises(KeyError, match="ZZQ"):
        city_code_for_airport("ZZQ")
    with pytest.raises(KeyError, match="not simulated"):
        airport("BHX")


def test_great_circle_distance():
    assert great_circle_km(airport("LHR"), airport("JFK")) == pytest.approx(5540, rel=0.01)
    assert great_circle_km(airport("CDG"), airport("CDG")) == 0
    assert great_circle_km(airport("SYD"), airport("LHR")) == pytest.approx(17000, rel=0.02)
