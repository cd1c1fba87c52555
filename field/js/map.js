// The zone from the last sync, drawn with the offline Leaflet copy and no base tiles: zones and tongs,
// public resources, every report of my zones (dots on one canvas), this week's stops, my open reports and the
// ones still on the phone. A tap places a report.
import { drawZoneReports } from "./report_layer.js";

const L = window.L;
const STYLE = {
  zone: { color: "#1b9e77", weight: 3, fillOpacity: 0.08, className: "zone-polygon" },
  covered: { color: "#1b9e77", weight: 2, dashArray: "6 4", fillOpacity: 0.03, className: "zone-polygon" }, // 대직
  tong: { color: "#57606a", weight: 1, dashArray: "4 4", fill: false },
  // above the zone's report dots (their own pane: "mine"), so a tap on them opens their popup
  resource: { radius: 6, color: "#1f6feb", fillColor: "#1f6feb", fillOpacity: 0.6, weight: 1, pane: "mine",
    className: "resource" },
  stop: { radius: 9, color: "#b35900", fillColor: "#ffb000", fillOpacity: 0.9, weight: 2, pane: "mine" },
  report: { radius: 8, color: "#c62828", fillColor: "#c62828", fillOpacity: 0.7, weight: 2, pane: "mine" },
  // on the phone, and the place being picked: taps go through them to the map (the list shows what they are)
  queued: { radius: 8, color: "#6f42c1", fillColor: "#ffffff", fillOpacity: 0.9, weight: 3, dashArray: "3 3",
    interactive: false, pane: "mine" },
  picked: { radius: 11, color: "#000000", fillColor: "#ffffff", fillOpacity: 0.5, weight: 3, interactive: false,
    pane: "mine" },
};

function popup(lines) {
  const box = document.createElement("div");
  lines.filter(Boolean).forEach((line, i) => {
    const p = document.createElement(i === 0 ? "strong" : "div");
    p.textContent = line; // text, never HTML: names and memos come from people
    box.appendChild(p);
  });
  return box;
}

function inRing([x, y], ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Point in a GeoJSON Polygon or MultiPolygon (holes respected); good enough to warn, the server decides. */
function inGeometry(point, geometry) {
  if (!geometry) return false;
  const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
  return polygons.some(([outer, ...holes]) => inRing(point, outer) && !holes.some((hole) => inRing(point, hole)));
}

export class ZoneMap {
  constructor(element, onPick) {
    this.map = L.map(element, { attributionControl: false, zoomSnap: 0.25, minZoom: 12, maxZoom: 20 });
    this.map.setView([37.5665, 126.978], 14); // Seoul until a zone arrives
    this.map.createPane("zoneReports").style.zIndex = 450; // above the zones (overlay pane: 400)
    this.map.createPane("mine").style.zIndex = 460; // resources, my stops and reports above the dots
    this.element = element;
    this.onPick = onPick;
    this.layers = {};
    this.zone = null;
    for (const name of ["zones", "tongs", "resources", "zoneReports", "stops", "reports", "queued", "picked"]) {
      this.layers[name] = L.layerGroup().addTo(this.map);
    }
    this.map.on("click", (event) => onPick([event.latlng.lng, event.latlng.lat], "지도"));
  }

  /** Draw the zone response of the API (GeoJSON collections and lists); fit the view to my zones. */
  showZone(zone, me) {
    for (const name of ["zones", "tongs", "resources", "zoneReports", "stops", "reports"]) {
      this.layers[name].clearLayers();
    }
    this.zone = zone;
    delete this.element.dataset.zoneReports;
    if (!zone) return;
    // no popup on the zones: a popup takes the tap, and a tap inside my zone is where a report goes
    const zones = L.geoJSON(zone.zones, {
      style: (f) => (me && f.properties.officer !== me ? STYLE.covered : STYLE.zone),
    });
    zones.addTo(this.layers.zones);
    L.geoJSON(zone.tongs, {
      style: STYLE.tong,
      interactive: false,
      onEachFeature: (f, layer) => layer.bindTooltip(`${f.properties.tong}통`,
        { permanent: true, direction: "center", className: "tong-label" }),
    }).addTo(this.layers.tongs);
    L.geoJSON(zone.resources, {
      pointToLayer: (f, latlng) => L.circleMarker(latlng, STYLE.resource),
      onEachFeature: (f, layer) => layer.bindPopup(popup([f.properties.name, f.properties.address,
        f.properties.phone, f.properties.hours])),
    }).addTo(this.layers.resources);
    if (zone.zone_reports) { // a zone saved by an older version of the page has none until the next sync
      const drawn = drawZoneReports(this.layers.zoneReports, zone.zone_reports,
        { pane: "zoneReports", popup, onPick: this.onPick });
      this.element.dataset.zoneReports = String(drawn); // how many the map shows (read by tests and bench)
    }
    (zone.stops || []).forEach((stop, i) => {
      if (stop.lat == null || stop.lon == null) return;
      L.circleMarker([stop.lat, stop.lon], STYLE.stop)
        .bindPopup(popup([`${i + 1}. ${stop.label || ""}`, stop.reason, stop.address]))
        .addTo(this.layers.stops);
    });
    (zone.reports || []).forEach((report) => {
      if (report.lat == null || report.lon == null) return;
      L.circleMarker([report.lat, report.lon], { ...STYLE.report, className: "my-report" })
        .bindPopup(popup([`보고 #${report.id} ${report.title || ""}`, report.status_label, report.field_label]))
        .addTo(this.layers.reports);
    });
    const bounds = zones.getBounds();
    if (bounds.isValid()) this.map.fitBounds(bounds, { padding: [12, 12] });
  }

  /** Reports still on the phone (not sent yet), as dashed circles. */
  showQueued(items) {
    this.layers.queued.clearLayers();
    items.filter((i) => i.state !== "sent").forEach((item) => {
      L.circleMarker([item.lat, item.lon], STYLE.queued).addTo(this.layers.queued);
    });
  }

  hasZone() {
    return Boolean(this.zone && this.zone.zones.features.length);
  }

  /** Whether [lon, lat] lies in one of my zones (those I own or stand in for) of the last sync. */
  inMyZones(lonlat) {
    return this.hasZone() && this.zone.zones.features.some((f) => inGeometry(lonlat, f.geometry));
  }

  showPicked(lonlat) {
    this.layers.picked.clearLayers();
    if (lonlat) L.circleMarker([lonlat[1], lonlat[0]], STYLE.picked).addTo(this.layers.picked);
  }

  resize() {
    this.map.invalidateSize();
  }
}
