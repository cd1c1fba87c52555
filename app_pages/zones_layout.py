"""Column order and widths of the zone editor (px), shared by the page and its browser test.

On a 390 px phone the name and the two editable columns (담당통, 대직자) come first and fit the screen; the
read-only team and role follow, to scroll to.  The name is pinned, so a row stays known while scrolling.
"""

EDITOR_WIDTHS = {"성명": 80, "담당통": 150, "대직자": 90, "팀명": 110, "역할": 80}
EDITABLE = ("담당통", "대직자")
