"""The controls every map carries, fitted to the screen it opens on: legend, credits, scale, touch, height.

:func:`mapping.layers.build_map` adds :class:`MapControls` to every map.  What it does, in the browser:

- **a narrow map** (under :data:`NARROW_PX` wide: a phone) opens with the layer panel collapsed (see
  :func:`layer_panel_collapsed`), the legend folded to a button, and — inside the app, where the map is
  an iframe of fixed height — a shorter map (:data:`PHONE_SCREEN_SHARE` of the screen at most), so the
  page around it stays in reach;
- **the legend** folds and unfolds with its own button;
- **the credits** are one short line (:data:`mapping.style.CREDITS_SHORT`); a tap shows the full text,
  which is always in the HTML (the data licences ask for it);
- **the scale** is metric only (two bars, metric and imperial, took twice the height);
- **on a touch screen** one finger scrolls the page and two fingers move and zoom the map (a hint says
  so when one finger tries): Leaflet's own two-finger zoom also pans, so dragging is simply off.  The
  npm plugin ``leaflet-gesture-handling`` was not used: it ignores touches that start on a polygon and
  turns dragging back on at the mouse events a tap emulates, so on a map covered by zones the page
  scroll was trapped again after the first tap.

Everything is a few lines of local JavaScript and CSS (:data:`mapping.style.LEGEND_CSS`); nothing is
loaded from the web.
"""

from __future__ import annotations

import html

from branca.element import MacroElement
from folium.utilities import JsCode
from jinja2 import Template

NARROW_PX = 600  # a map narrower than this (CSS px) is on a phone
PHONE_SCREEN_SHARE = 0.55  # a phone's map is at most this share of the screen's height …
PHONE_MIN_HEIGHT = 300  # … but never below this (px)
TWO_FINGER_HINT = "지도를 움직이려면 두 손가락을 쓰세요"


def layer_panel_collapsed() -> JsCode:
    """The layer control's ``collapsed`` option, decided in the browser: collapsed on a narrow map."""
    return JsCode(f"(window.innerWidth < {NARROW_PX})")


def credits_html(full: str, short: str) -> str:
    """The credits as one short line that a tap opens into the full text (both escaped, both in the HTML)."""
    return (
        '<a href="#" role="button" class="credits-toggle" title="자료 출처 전체 보기">'
        f'<span class="credits-short">{html.escape(short)} ⓘ</span>'
        f'<span class="credits-full">{html.escape(full)}</span></a>'
    )


class MapControls(MacroElement):
    """Legend, credits, scale, touch gestures and the phone height of one map (see the module's text)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        (function () {
          var map = {{ this._parent.get_name() }}, box = map.getContainer();
          var narrow = window.innerWidth < {{ this.narrow }};
          L.control.scale({imperial: false}).addTo(map);
          if ({{ this.legend|tojson }}) {
            var legend = L.control({position: "bottomleft"});
            legend.onAdd = function () {
              var div = L.DomUtil.create("div", "map-legend" + (narrow ? " folded" : ""));
              var toggle = L.DomUtil.create("button", "legend-toggle", div);
              var body = L.DomUtil.create("div", "legend-body", div);
              toggle.type = "button";
              body.innerHTML = {{ this.legend|tojson }};
              var label = function () {
                var folded = L.DomUtil.hasClass(div, "folded");
                toggle.textContent = folded ? "범례 보기" : "범례 접기";
                toggle.setAttribute("aria-expanded", folded ? "false" : "true");
              };
              label();
              L.DomEvent.disableClickPropagation(div);
              L.DomEvent.disableScrollPropagation(div);
              L.DomEvent.on(toggle, "click", function () { div.classList.toggle("folded"); label(); });
              return div;
            };
            legend.addTo(map);
          }
          map.attributionControl.addAttribution({{ this.credits|tojson }});
          var credits = map.attributionControl.getContainer();
          L.DomEvent.disableClickPropagation(credits);
          L.DomEvent.on(credits, "click", function (e) {
            if (e.target.closest && e.target.closest(".credits-toggle")) {
              L.DomEvent.preventDefault(e);
              credits.classList.toggle("open");
            }
          });
          if (narrow && window.parent !== window) {  // in the app: a shorter iframe, the page stays in reach
            var screenHeight = (window.top && window.top.innerHeight) || window.screen.height;
            var height = Math.round(Math.min(box.clientHeight || Infinity,
              Math.max({{ this.min_height }}, screenHeight * {{ this.share }})));
            if (isFinite(height)) {
              for (var el = box; el && el !== document.body; el = el.parentElement) {
                if (el.style.height) { el.style.height = height + "px"; }
              }
              box.style.height = height + "px";
              window.parent.postMessage({isStreamlitMessage: true, type: "streamlit:setFrameHeight", height: height}, "*");
              map.invalidateSize();
            }
          }
          if (window.matchMedia && window.matchMedia("(pointer: coarse)").matches) {
            map.dragging.disable();  // one finger scrolls the page; two fingers pan and zoom (touchZoom)
            box.setAttribute("data-hint", {{ this.hint|tojson }});
            var hint = null;
            box.addEventListener("touchmove", function (e) {
              if (e.touches.length !== 1) { return; }
              box.classList.add("two-finger-hint");
              clearTimeout(hint);
              hint = setTimeout(function () { box.classList.remove("two-finger-hint"); }, 1200);
            }, {passive: true});
          }
        })();
        {% endmacro %}"""
    )

    def __init__(self, *, legend: str, credits: str) -> None:
        super().__init__()
        self._name = "MapControls"
        self.legend, self.credits = legend, credits
        self.narrow, self.share, self.min_height = NARROW_PX, PHONE_SCREEN_SHARE, PHONE_MIN_HEIGHT
        self.hint = TWO_FINGER_HINT
