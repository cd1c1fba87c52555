// 우동주 공개 지도: built from data.js (window.UDONGJU), no server, works from file://.
// Every text from the data is set with textContent: nothing in it is ever read as HTML.
(function () {
  "use strict";
  var D = window.UDONGJU;

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  document.getElementById("subtitle").textContent = D.subtitle;
  var credits = document.getElementById("credits");
  credits.textContent = D.credits;

  var map = L.map("map", { zoomControl: true, maxZoom: 19, preferCanvas: false });
  if (D.tiles) {  // base tiles load when online; every layer below shows without them
    L.tileLayer(D.tiles.url, { maxZoom: 19, attribution: D.tiles.attribution }).addTo(map);
  }
  map.attributionControl.addAttribution(D.credits_short);
  L.control.scale({ imperial: false }).addTo(map);
  if (window.matchMedia && window.matchMedia("(pointer: coarse)").matches) {
    // a phone: one finger scrolls the page (no scroll trap), two fingers move and zoom the map (as the app's maps)
    map.dragging.disable();
    var box = map.getContainer(), hint = null;
    box.setAttribute("data-hint", D.two_finger_hint);
    box.addEventListener("touchmove", function (e) {
      if (e.touches.length !== 1) { box.classList.remove("two-finger-hint"); return; }
      box.classList.add("two-finger-hint");
      clearTimeout(hint);
      hint = setTimeout(function () { box.classList.remove("two-finger-hint"); }, 1200);
    }, { passive: true });
  }

  var dong = L.geoJSON(D.dong, { style: { color: "#222", weight: 3, fill: false, dashArray: "6 4" }, interactive: false }).addTo(map);
  map.fitBounds(dong.getBounds(), { padding: [10, 10] });

  // --- zones and the officer card -------------------------------------------------------------
  var cardBox = document.getElementById("officer-card");
  function showCard(p) {
    cardBox.replaceChildren();
    cardBox.className = "card";
    cardBox.appendChild(el("div", p.title, "role"));
    cardBox.appendChild(el("div", p.officer || p.title, "name"));
    var where = "구역 " + p.zone_id + " · " + p.tongs + (p.team ? " · " + p.team : "");
    cardBox.appendChild(el("div", where));
    var phone = p.phone || D.centre.phone;
    if (phone) {
      var line = el("div", "☎ ");
      var link = el("a", phone);
      link.href = "tel:" + phone.replace(/[^0-9+]/g, "");
      line.appendChild(link);
      if (!p.phone) line.appendChild(el("span", " (" + (D.centre.name || "동주민센터") + ")"));
      cardBox.appendChild(line);
    }
  }
  var zones = L.geoJSON(D.zones, {
    style: { color: "#0067a3", weight: 2, fillColor: "#0067a3", fillOpacity: 0.12, className: "zone" },
    onEachFeature: function (feature, layer) {
      layer.on("click", function () { showCard(feature.properties); });
      layer.bindTooltip(feature.properties.zone_id + " · " + feature.properties.tongs, { sticky: true });
    }
  }).addTo(map);
  map.on("click", function () {  // a click outside every zone (a zone's own click stops here first)
    cardBox.className = "hint";
    cardBox.textContent = "이곳은 " + D.dong_name + " 구역 밖입니다. 동주민센터로 문의하세요" + (D.centre.phone ? " (☎ " + D.centre.phone + ")." : ".");
  });
  zones.eachLayer(function (layer) { layer.on("click", function (e) { L.DomEvent.stopPropagation(e); }); });

  // --- resources: markers, filters (also the legend), search ----------------------------------
  var shown = {};
  D.types.forEach(function (t) { shown[t.key] = true; });
  var markers = D.resources.map(function (r, i) {
    var m = L.circleMarker([r.lat, r.lon], { radius: 7, color: "#222", weight: 1, fillColor: r.colour, fillOpacity: 0.9, className: "resource" });
    var box = el("div", null, "popup");
    box.appendChild(el("h3", r.name || r.type_label));
    if (r.name) box.appendChild(el("p", r.type_label));
    if (r.address) box.appendChild(el("p", r.address));
    if (r.phone) box.appendChild(el("p", "☎ " + r.phone));
    if (r.hours) box.appendChild(el("p", "운영: " + r.hours));
    m.bindPopup(box);
    m.resource = r;
    m.index = i;
    return m;
  });
  var layer = L.layerGroup().addTo(map);
  var search = document.getElementById("search");
  var results = document.getElementById("results");
  var searchCount = document.getElementById("search-count");

  function matches(r, q) {
    if (!q) return true;
    var text = ((r.name || "") + " " + r.type_label + " " + (r.address || "")).toLowerCase();
    return q.split(/\s+/).every(function (word) { return text.indexOf(word) >= 0; });
  }
  function refresh() {
    var q = search.value.trim().toLowerCase();
    layer.clearLayers();
    results.replaceChildren();
    var count = 0;
    markers.forEach(function (m) {
      if (!shown[m.resource.type] || !matches(m.resource, q)) return;
      layer.addLayer(m);
      count += 1;
      if (q && results.children.length < 50) {
        var item = el("li");
        var button = el("button", (m.resource.name || m.resource.type_label) + " — " + (m.resource.address || ""));
        button.type = "button";
        button.addEventListener("click", function () { map.setView(m.getLatLng(), 17); m.openPopup(); });
        item.appendChild(button);
        results.appendChild(item);
      }
    });
    searchCount.textContent = q ? "찾은 곳 " + count + "곳" : "지도에 " + count + "곳";
    document.getElementById("map").setAttribute("data-markers", String(count));
  }
  var filters = document.getElementById("filters");
  D.types.forEach(function (t) {
    var item = el("li");
    var label = el("label");
    var box = el("input");
    box.type = "checkbox";
    box.checked = true;
    box.value = t.key;
    box.addEventListener("change", function () { shown[t.key] = box.checked; refresh(); });
    var swatch = el("span", null, "swatch");
    swatch.style.background = t.colour;
    label.appendChild(box);
    label.appendChild(swatch);
    label.appendChild(document.createTextNode(t.label + " (" + t.count + ")"));
    item.appendChild(label);
    filters.appendChild(item);
  });
  search.addEventListener("input", refresh);
  refresh();

  // --- report counts per zone by field (small counts already hidden) ---------------------------
  var counts = document.getElementById("counts");
  var table = el("table", null, "counts");
  var head = el("tr");
  D.counts.columns.forEach(function (c) { head.appendChild(el("th", c)); });
  table.appendChild(head);
  D.counts.rows.forEach(function (row) {
    var tr = el("tr");
    row.forEach(function (v, j) { tr.appendChild(el(j === 0 ? "th" : "td", v === null ? "*" : String(v))); });
    table.appendChild(tr);
  });
  counts.appendChild(table);
  counts.appendChild(el("p", D.counts.note, "hint"));
})();
