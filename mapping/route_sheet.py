"""The printable A4 route sheet: stops in order with their reasons, and the safety checklist."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from mapping.fonts import korean_font_path
from mapping.routes import Route

SAFETY_CHECKLIST = (
    "도로노면",
    "가로수",
    "건널목",
    "도로분리대",
    "간판",
    "통학로",
    "건물노후",
    "무단투기",
    "버스정류장",
)


def export_route_pdf(route: Route, path: Path, *, officer: str, week: str) -> Path:
    """Write the route sheet (A4 portrait, NanumGothic embedded) and return ``path``."""
    pdf = FPDF(format="A4")
    pdf.add_font("Nanum", fname=str(korean_font_path()))
    pdf.add_font("Nanum", style="B", fname=str(korean_font_path(bold=True)))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Nanum", "B", 16)
    pdf.cell(0, 10, "우리동네주무관 주간 순회 경로", new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.set_font("Nanum", size=10)
    pdf.cell(0, 7, f"{officer} · {week} · 출발·도착 {route.start.label}", new_x="LMARGIN", new_y="NEXT", align="C")
    summary = (
        f"{len(route.stops)}곳 · {route.total_m / 1000:.1f} km · 걷기 {route.walk_min:.0f}분 + 방문 "
        f"{route.total_min - route.walk_min:.0f}분 = {route.total_min:.0f}분 (직선거리 × {route.detour:g}, 시속 {route.kmh:g} km)"
    )
    pdf.cell(0, 7, summary, new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.ln(3)
    with pdf.table(
        col_widths=(12, 55, 103, 20), headings_style=FontFace(emphasis="BOLD", fill_color=(230, 236, 245))
    ) as table:
        table.row(["순번", "장소", "이유", "확인"])
        for number, stop in enumerate(route.stops, start=1):
            table.row([str(number), stop.label, stop.reason, "□"])
    if route.left_out:
        pdf.ln(2)
        pdf.multi_cell(0, 6, "시간이 모자라 이번 주에 빠진 곳: " + ", ".join(s.label for s in route.left_out))
    pdf.ln(4)
    pdf.set_font("Nanum", "B", 12)
    pdf.cell(0, 8, "가는 길에 살필 것 (안전 점검)", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Nanum", size=11)
    for item in SAFETY_CHECKLIST:
        pdf.cell(0, 7, f"□ {item}", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path
