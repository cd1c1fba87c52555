// The baseline of `python -m bench.browser`: the field page's zone reports drawn the way a folium.Marker draws a
// report — an L.marker per report (the default pin: an image and a shadow element each) with its popup's content
// built at once. Served in place of field/js/report_layer.js by the benchmark's baseline server only.
const L = window.L;

export function drawZoneReports(group, packed, { popup }) { // no 이 자리에 보고 적기: only the drawing is timed
  const at = Object.fromEntries(packed.columns.map((name, i) => [name, i]));
  for (const row of packed.rows) {
    L.marker([row[at.lat], row[at.lon]])
      .bindPopup(popup([`보고 #${row[at.id]}`, row[at.status], row[at.field], `발견 ${row[at.day]}`]))
      .addTo(group);
  }
  return packed.rows.length;
}
