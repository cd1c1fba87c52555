"""Column widths of the zone editor (px), shared by the page and its browser test."""

EDITOR_WIDTHS = {"성명": 120, "팀명": 140, "역할": 100, "담당통": 200, "대직자": 140}
