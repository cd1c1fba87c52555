"""The 구역 현황 sheet: what a new officer needs on day one (internal, logged).

- :mod:`mapping.zone_profile.facts`: the sheet's facts (:func:`zone_profile`, :func:`zone_profiles`);
- :mod:`mapping.zone_profile.pdf`: its A4 page and small map; :mod:`mapping.zone_profile.files`: PDF/XLSX written and logged.
"""
