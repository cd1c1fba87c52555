// Leaflet guesses its default-icon folder from its CSS, which inside an
// iframe is not applied yet when the first marker is made. Point it at the
// images/ folder next to this script, wherever the assets are served from.
(function () {
  var here = document.currentScript && document.currentScript.src;
  if (window.L && here) {
    L.Icon.Default.prototype.options.imagePath = new URL("leaflet/images/", here).href;
  }
})();
