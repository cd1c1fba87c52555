// The reports of my zones as small dots, all on one canvas: a few hundred draw in milliseconds, where a
// marker element per report (folium's way) costs the phone a DOM node, an image and a popup each.
// Open reports are red and larger, finished ones grey. A tap on a dot says what it is (built only then) and
// does not move the place of the report being written; its "이 자리에 보고 적기" does (problems come back to
// the same spot), and a tap beside the dot places it as anywhere on the map.
const L = window.L;

/** Draw the packed rows of /me/zone's ``zone_reports`` into ``group``; answer how many were drawn. */
export function drawZoneReports(group, packed, { pane, popup, onPick }) {
  const renderer = L.canvas({ pane, padding: 0.3, tolerance: 3 });
  const at = Object.fromEntries(packed.columns.map((name, i) => [name, i]));
  for (const row of packed.rows) {
    const open = row[at.open];
    const approx = row[at.approx];
    const dot = L.circleMarker([row[at.lat], row[at.lon]], {
      renderer,
      radius: open ? 5 : 3.5,
      weight: 1,
      color: open ? "#8e1b1b" : "#6e7781",
      fillColor: open ? "#e5534b" : "#afb8c1",
      fillOpacity: open ? 0.85 : 0.6,
      bubblingMouseEvents: false,
    });
    dot.bindPopup(() => {
      const box = popup([`보고 #${row[at.id]}`, row[at.status], row[at.field], `발견 ${row[at.day]}`,
        approx ? "위치는 대략 (약 100 m): 돌봄이 필요한 분의 집일 수 있어 휴대폰에는 대략만 둡니다" : ""]);
      if (!approx) {
        const here = document.createElement("button");
        here.type = "button";
        here.className = "popup-pick";
        here.textContent = "이 자리에 보고 적기";
        here.addEventListener("click", () => {
          dot.closePopup();
          onPick([row[at.lon], row[at.lat]], "지도");
        });
        box.appendChild(here);
      }
      return box;
    });
    dot.addTo(group);
  }
  return packed.rows.length;
}
