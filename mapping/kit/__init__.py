"""The dong data kit: the files a dong fills in with Excel, read and checked before anything is stored.

- :mod:`mapping.kit.reader`: finding a kit's files, ``kit.json``, contacts, walking network, :func:`read_kit`, uploads;
- :mod:`mapping.kit.files`: the core files' column specs and a checking reader per file;
- :mod:`mapping.kit.tables`: generic reading of Excel/CSV tables (headers, cells, points in any CRS, per row);
- :mod:`mapping.kit.limits`: limits on outside files, checked before they are read.
- :mod:`mapping.kit.batch`: many kits in one load, each all-or-nothing (a gu's or the city's dongs).
"""
