"""Everything that reaches residents, and the one privacy filter it all goes through.

- :mod:`mapping.publish.privacy`: ``public_view`` and the personal-value guard (every public output);
- :mod:`mapping.publish.disclosure`: small-count suppression and its audit;
- :mod:`mapping.publish.public_site`: the static public map; :mod:`mapping.publish.static_map` draws maps offline;
- :mod:`mapping.publish.tour_map`: the move-in tour map and the A3 poster; :mod:`mapping.publish.cards`: business cards;
- :mod:`mapping.publish.welcome`: 전입세대 welcome SMS and letters (personal, logged);
- :mod:`mapping.publish.hsds`: Open Referral HSDS 3.0 export and import.
"""
