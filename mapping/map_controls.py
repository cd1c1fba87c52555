"""The controls every map carries, fitted to the screen it opens on: legend, credits, scale, layers, touch.

:func:`mapping.layers.build_map` adds :class:`MapControls` to every map.  What it does, in the browser:

- **a narrow map** (under :data:`NARROW_PX` wide: a phone) opens with the layer panel collapsed to its
  button (see :func:`layer_panel_collapsed`) and the legend folded;
- **the legend** is a ``<details>`` box titled 범례: a tap folds and unfolds it;
- **the credits** are one short line (:data:`mapping.style.CREDITS_SHORT`); a tap on the line shows the
  full text, which is always in the page (the data licences ask for it);
- **the scale** is metric only (two bars, metric and imperial, took twice the height);
- **on a touch screen** one finger scrolls the page and two fingers move and zoom the map; a finger that
  tries to move the map is told so (:data:`TWO_FINGER_HINT`).  Leaflet's pinch zoom also pans, so dragging
  is simply off and the map's box lets the browser scroll the page (``touch-action: pan-x pan-y``).

In the app, a map on a phone is at most :data:`PHONE_MAP_VH` % of the screen high (:data:`PHONE_MAP_CSS`, in the
app's frame; the map inside follows its frame), so there is always page beside it to swipe.  Everything
is a few lines of local JavaScript and CSS (:data:`mapping.style.LEGEND_CSS`); nothing is loaded from
the web.
"""

from __future__ import annotations

import html

from branca.element import MacroElement
from folium.utilities import JsCode
from jinja2 import Template

NARROW_PX = 600  # a map narrower than this (CSS px) is on a phone
TWO_FINGER_HINT = "두 손가락으로 지도를 움직이세요"
# The app's map frames on a phone: at most this share of the screen's height, so that a swipe
# always has page beside the map and the controls below the map stay in reach.
PHONE_MAP_VH = 60
MAP_TITLE = "지도"  # the title of a map's frame in the app when the page needs nothing back from it
MAP_FRAMES = f'iframe[title="streamlit_folium.st_folium"], iframe[title="{MAP_TITLE}"]'  # every map frame of a page
PHONE_MAP_CSS = f"@media (max-width: {NARROW_PX}px) {{ {MAP_FRAMES} {{ max-height: {PHONE_MAP_VH}vh; }} }}"


def layer_panel_collapsed() -> JsCode:
    """The layer control's ``collapsed`` option, decided in the browser: collapsed on a narrow map."""
    return JsCode(f"(window.innerWidth < {NARROW_PX})")


def credits_html(full: str, short: str) -> str:
    """The credits as one short line that a tap opens into the full text (both escaped, both in the page).

    Parameters
    ----------
    full : str
        Every source and licence, as the data's terms ask (:data:`mapping.style.CREDITS`).
    short : str
        The one line shown until a tap.

    Returns
    -------
    str
        HTML for Leaflet's attribution control.
    """
    return (
        '<span role="button" tabindex="0" class="credits-toggle" title="자료 출처 전체 보기">'
        f'<span class="credits-short">ⓘ {html.escape(short)}</span>'
        f'<span class="credits-full">{html.escape(full)}</span></span>'
    )


class MapControls(MacroElement):
    """Legend, credits, scale and touch gestures of one map (see the module's text)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        (function () {
          var map = {{ this._parent.get_name() }}, box = map.getContainer();
          var narrow = box.clientWidth < {{ this.narrow }} || window.innerWidth < {{ this.narrow }};
          var frame = window.frameElement, cap = frame ? parseFloat(getComputedStyle(frame).maxHeight) : NaN;
          if (cap > 0 && box.clientHeight > cap) {  // the app's frame caps a map on a phone (PHONE_MAP_CSS)
            box.style.height = cap + "px";
            map.invalidateSize();  // before the view is fitted to the zone
          }
          L.control.scale({imperial: false}).addTo(map);
          if ({{ this.legend|tojson }}) {
            var legend = L.control({position: "bottomleft"});
            legend.onAdd = function () {
              var box = L.DomUtil.create("details", "map-legend");
              box.open = !narrow;
              L.DomUtil.create("summary", "", box).textContent = "범례";
              var div = L.DomUtil.create("div", "legend-body", box);
              div.innerHTML = {{ this.legend|tojson }};
              L.DomEvent.disableClickPropagation(box);
              L.DomEvent.disableScrollPropagation(box);
              return box;
            };
            legend.addTo(map);
          }
          map.attributionControl.setPrefix(false);  // "Leaflet" is in the full text
          map.attributionControl.addAttribution({{ this.credits|tojson }});
          var credits = map.attributionControl.getContainer();
          L.DomEvent.disableClickPropagation(credits);
          L.DomEvent.on(credits, "click keydown", function (e) {
            if (e.type === "keydown" && e.key !== "Enter" && e.key !== " ") { return; }
            if (e.target.closest && e.target.closest("a[href]")) { return; }  // a real link stays a link
            L.DomEvent.preventDefault(e);
            credits.classList.toggle("open");
          });
          if (window.matchMedia && window.matchMedia("(pointer: coarse)").matches) {
            map.dragging.disable();  // one finger scrolls the page; two fingers pan and zoom (touchZoom)
            box.setAttribute("data-hint", {{ this.hint|tojson }});
            var hint = null;
            box.addEventListener("touchmove", function (e) {
              if (e.touches.length !== 1) { box.classList.remove("two-finger-hint"); return; }
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
        self.narrow, self.hint = NARROW_PX, TWO_FINGER_HINT
