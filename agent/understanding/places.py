"""Place names -> IANA time zones, for "I've moved to Singapore" and "15:00 Berlin time".

A place resolves only when it names one zone: an IANA city ("Singapore", "New York", "Sao Paulo"),
a common city or its local spelling ("Munich", "München", "Lisboa", "Genève"), or a country that
lies in one zone ("Germany", "Portugal"). Countries spanning several zones (the United States,
Canada, Brazil, Australia, Russia, Mexico, Indonesia) resolve to "" so the caller asks which city.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

_ALIASES = {
    # cities people write that are not IANA names (or spelled locally)
    "munich": "Europe/Berlin", "münchen": "Europe/Berlin", "hamburg": "Europe/Berlin", "frankfurt": "Europe/Berlin",
    "cologne": "Europe/Berlin", "köln": "Europe/Berlin", "stuttgart": "Europe/Berlin", "düsseldorf": "Europe/Berlin",
    "leipzig": "Europe/Berlin", "dresden": "Europe/Berlin", "hanover": "Europe/Berlin", "hannover": "Europe/Berlin",
    "wien": "Europe/Vienna", "genève": "Europe/Zurich", "geneva": "Europe/Zurich", "genf": "Europe/Zurich",
    "basel": "Europe/Zurich", "bern": "Europe/Zurich", "lyon": "Europe/Paris", "marseille": "Europe/Paris",
    "toulouse": "Europe/Paris", "bordeaux": "Europe/Paris", "nantes": "Europe/Paris", "lille": "Europe/Paris",
    "londres": "Europe/London", "londra": "Europe/London", "manchester": "Europe/London", "edinburgh": "Europe/London",
    "barcelona": "Europe/Madrid", "valencia": "Europe/Madrid", "sevilla": "Europe/Madrid", "seville": "Europe/Madrid",
    "bilbao": "Europe/Madrid", "lisboa": "Europe/Lisbon", "porto": "Europe/Lisbon", "oporto": "Europe/Lisbon",
    "milan": "Europe/Rome", "milano": "Europe/Rome", "roma": "Europe/Rome", "turin": "Europe/Rome",
    "bruxelles": "Europe/Brussels", "brussel": "Europe/Brussels", "antwerp": "Europe/Brussels",
    "rotterdam": "Europe/Amsterdam", "utrecht": "Europe/Amsterdam", "the hague": "Europe/Amsterdam",
    "cracow": "Europe/Warsaw", "krakow": "Europe/Warsaw", "kraków": "Europe/Warsaw", "varsovie": "Europe/Warsaw",
    "gothenburg": "Europe/Stockholm", "göteborg": "Europe/Stockholm", "copenhague": "Europe/Copenhagen",
    "são paulo": "America/Sao_Paulo", "rio de janeiro": "America/Sao_Paulo", "rio": "America/Sao_Paulo",
    "belo horizonte": "America/Sao_Paulo", "brasília": "America/Sao_Paulo", "brasilia": "America/Sao_Paulo",
    "curitiba": "America/Sao_Paulo", "porto alegre": "America/Sao_Paulo", "recife": "America/Recife",
    "nueva york": "America/New_York", "new york city": "America/New_York", "nyc": "America/New_York",
    "boston": "America/New_York", "washington": "America/New_York", "atlanta": "America/New_York",
    "miami": "America/New_York", "san francisco": "America/Los_Angeles", "seattle": "America/Los_Angeles",
    "silicon valley": "America/Los_Angeles", "austin": "America/Chicago", "dallas": "America/Chicago",
    "houston": "America/Chicago", "ciudad de méxico": "America/Mexico_City", "cdmx": "America/Mexico_City",
    "mexico city": "America/Mexico_City", "montreal": "America/Toronto", "montréal": "America/Toronto",
    "ottawa": "America/Toronto", "bogotá": "America/Bogota", "medellín": "America/Bogota", "medellin": "America/Bogota",
    "quito": "America/Guayaquil", "cordoba": "America/Argentina/Cordoba",
    "bangalore": "Asia/Kolkata", "bengaluru": "Asia/Kolkata", "mumbai": "Asia/Kolkata", "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata", "pune": "Asia/Kolkata", "chennai": "Asia/Kolkata", "hyderabad": "Asia/Kolkata",
    "beijing": "Asia/Shanghai", "pékin": "Asia/Shanghai", "shenzhen": "Asia/Shanghai", "cingapura": "Asia/Singapore",
    "singapur": "Asia/Singapore", "tóquio": "Asia/Tokyo", "tokio": "Asia/Tokyo", "osaka": "Asia/Tokyo",
    "abu dhabi": "Asia/Dubai", "doha": "Asia/Qatar", "tel aviv": "Asia/Jerusalem", "cape town": "Africa/Johannesburg",
    "le cap": "Africa/Johannesburg", "ciudad del cabo": "Africa/Johannesburg", "melbourne": "Australia/Melbourne",
    "auckland": "Pacific/Auckland", "wellington": "Pacific/Auckland", "nova iorque": "America/New_York",
    "lissabon": "Europe/Lisbon", "lisbonne": "Europe/Lisbon", "mailand": "Europe/Rome", "rom": "Europe/Rome",
    "brüssel": "Europe/Brussels", "warschau": "Europe/Warsaw", "prag": "Europe/Prague", "kopenhagen": "Europe/Copenhagen",
    "berlim": "Europe/Berlin", "munique": "Europe/Berlin", "berlín": "Europe/Berlin", "múnich": "Europe/Berlin",
    "munich ": "Europe/Berlin", "lisbona": "Europe/Lisbon", "varsóvia": "Europe/Warsaw", "zurique": "Europe/Zurich",
    "nova york": "America/New_York", "nueva delhi": "Asia/Kolkata", "pequim": "Asia/Shanghai", "dubái": "Asia/Dubai",
    "toquio": "Asia/Tokyo", "london": "Europe/London", "paris": "Europe/Paris", "madrid": "Europe/Madrid",
    # countries in one zone
    "germany": "Europe/Berlin", "deutschland": "Europe/Berlin", "allemagne": "Europe/Berlin", "alemania": "Europe/Berlin",
    "alemanha": "Europe/Berlin", "france": "Europe/Paris", "frankreich": "Europe/Paris", "francia": "Europe/Paris",
    "frança": "Europe/Paris", "spain": "Europe/Madrid", "spanien": "Europe/Madrid", "espagne": "Europe/Madrid",
    "españa": "Europe/Madrid", "espanha": "Europe/Madrid", "italy": "Europe/Rome", "italien": "Europe/Rome",
    "italie": "Europe/Rome", "italia": "Europe/Rome", "itália": "Europe/Rome", "netherlands": "Europe/Amsterdam",
    "the netherlands": "Europe/Amsterdam", "holland": "Europe/Amsterdam", "niederlande": "Europe/Amsterdam",
    "belgium": "Europe/Brussels", "switzerland": "Europe/Zurich", "schweiz": "Europe/Zurich", "suisse": "Europe/Zurich",
    "austria": "Europe/Vienna", "österreich": "Europe/Vienna", "autriche": "Europe/Vienna",
    "poland": "Europe/Warsaw", "polen": "Europe/Warsaw", "sweden": "Europe/Stockholm", "schweden": "Europe/Stockholm",
    "norway": "Europe/Oslo", "denmark": "Europe/Copenhagen", "finland": "Europe/Helsinki", "ireland": "Europe/Dublin",
    "irland": "Europe/Dublin", "irlande": "Europe/Dublin", "uk": "Europe/London", "the uk": "Europe/London",
    "england": "Europe/London", "scotland": "Europe/London", "united kingdom": "Europe/London",
    "angleterre": "Europe/London", "inglaterra": "Europe/London", "großbritannien": "Europe/London",
    "greece": "Europe/Athens", "griechenland": "Europe/Athens", "japan": "Asia/Tokyo", "japon": "Asia/Tokyo",
    "japón": "Asia/Tokyo", "japão": "Asia/Tokyo", "india": "Asia/Kolkata", "indien": "Asia/Kolkata",
    "inde": "Asia/Kolkata", "índia": "Asia/Kolkata", "china": "Asia/Shanghai", "chine": "Asia/Shanghai",
    "south korea": "Asia/Seoul", "korea": "Asia/Seoul", "kenya": "Africa/Nairobi", "kenia": "Africa/Nairobi",
    "nigeria": "Africa/Lagos", "ghana": "Africa/Accra", "south africa": "Africa/Johannesburg",
    "colombia": "America/Bogota", "kolumbien": "America/Bogota", "peru": "America/Lima", "perú": "America/Lima",
    "chile": "America/Santiago", "argentina": "America/Argentina/Buenos_Aires", "argentinien": "America/Argentina/Buenos_Aires",
    "lebanon": "Asia/Beirut", "liban": "Asia/Beirut", "libanon": "Asia/Beirut", "israel": "Asia/Jerusalem",
    "saudi arabia": "Asia/Riyadh", "uae": "Asia/Dubai", "the uae": "Asia/Dubai", "egypt": "Africa/Cairo",
    "morocco": "Africa/Casablanca", "maroc": "Africa/Casablanca", "marruecos": "Africa/Casablanca",
    "vietnam": "Asia/Ho_Chi_Minh", "thailand": "Asia/Bangkok", "philippines": "Asia/Manila", "new zealand": "Pacific/Auckland",
    "mozambique": "Africa/Maputo", "moçambique": "Africa/Maputo", "angola": "Africa/Luanda",
    "cabo verde": "Atlantic/Cape_Verde", "cape verde": "Atlantic/Cape_Verde",
    # several zones: ask which city
    "the us": "", "the usa": "", "usa": "", "us": "", "the states": "", "united states": "", "america": "",
    "canada": "", "kanada": "", "brazil": "", "brasil": "", "brasilien": "", "brésil": "", "australia": "",
    "australien": "", "australie": "", "russia": "", "russland": "", "mexico": "", "méxico": "", "mexique": "",
    "indonesia": "", "portugal": "Europe/Lisbon",
}


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def _iana_cities() -> dict[str, str]:
    from zoneinfo import available_timezones

    table: dict[str, str] = {}
    for name in sorted(available_timezones()):
        if "/" not in name or name.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/")):
            continue
        city = name.rsplit("/", 1)[1].replace("_", " ").lower()
        table.setdefault(city, name)
    return table


def zone_of_place(name: str) -> str | None:
    """The IANA zone of a place; "" when the place spans several zones; None when unknown."""
    key = " ".join(name.strip().strip(".,;!").split()).lower()
    if not key or len(key) > 40:
        return None
    if key in _ALIASES:
        return _ALIASES[key]
    cities = _iana_cities()
    if key in cities:
        return cities[key]
    folded = _fold(key)
    return _ALIASES.get(folded, cities.get(folded))
