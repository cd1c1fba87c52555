// Every report of my zones as a small dot, all on one canvas: a few hundred draw in milliseconds, where a
// marker element per report (folium's way) costs the phone a DOM node, an image and a popup each.
// Open reports are red and larger, finished ones grey. A tap on a dot says what it is (built only then) and
// does not move the place of the report being written; a tap beside it does.
const L = window.L;

/** Draw the packed rows of /me/zone's ``zone_reports`` into ``group``; answer how many were drawn. */
export function drawZoneReports(group, packed, { pane, popup }) {
  const renderer = L.canvas({ pane, padding: 0.3, tolerance: 4 });
  const at = Object.fromEntries(packed.columns.map((name, i) => [name, i]));
  for (const row of packed.rows) {
    const open = row[at.open];
    L.circleMarker([row[at.lat], row[at.lon]], {
      renderer,
      radius: open ? 5 : 3.5,
      weight: 1,
      color: open ? "#8e1b1b" : "#6e7781",
      fillColor: open ? "#e5534b" : "#afb8c1",
      fillOpacity: open ? 0.85 : 0.6,
      bubblingMouseEvents: false,
    })
      .bindPopup(() => popup([`보고 #${row[at.id]}`, row[at.status], row[at.field], `발견 ${row[at.day]}`]))
      .addTo(group);
  }
  return packed.rows.length;
}
