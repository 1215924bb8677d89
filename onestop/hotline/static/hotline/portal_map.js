// The simple map of the region on the 12345 filing page: a click marks the place (latitude
// and longitude fields), typed coordinates move the pin, and "Use my location" asks the
// browser. Everything is drawn and served by this node: no tiles, no other site.
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  ready(function () {
    var map = document.getElementById("region-map");
    var lat = document.getElementById("id_latitude");
    var lon = document.getElementById("id_longitude");
    if (!map || !lat || !lon) { return; }
    var pin = document.getElementById("region-map-pin");
    var status = document.getElementById("location-status");
    var d = map.dataset;
    var south = parseFloat(d.south), west = parseFloat(d.west);
    var north = parseFloat(d.north), east = parseFloat(d.east);
    var width = parseFloat(d.width), height = parseFloat(d.height);

    function inside(a, b) { return a >= south && a <= north && b >= west && b <= east; }
    function place() {
      var a = parseFloat(lat.value), b = parseFloat(lon.value);
      if (isNaN(a) || isNaN(b) || !inside(a, b)) { pin.setAttribute("cx", "-20"); pin.setAttribute("cy", "-20"); return; }
      pin.setAttribute("cx", String((b - west) / (east - west) * width));
      pin.setAttribute("cy", String((north - a) / (north - south) * height));
    }
    function set(a, b) {
      lat.value = a.toFixed(6);
      lon.value = b.toFixed(6);
      place();
      if (status) { status.textContent = status.dataset.done; }
    }
    map.addEventListener("click", function (event) {
      var box = map.getBoundingClientRect();
      var x = (event.clientX - box.left) / box.width;
      var y = (event.clientY - box.top) / box.height;
      set(north - y * (north - south), west + x * (east - west));
    });
    lat.addEventListener("input", place);
    lon.addEventListener("input", place);
    place();

    var button = document.getElementById("use-location");
    if (button && navigator.geolocation) {
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(function (where) {
          var a = where.coords.latitude, b = where.coords.longitude;
          if (!inside(a, b)) { status.textContent = status.dataset.outside; return; }
          set(a, b);
        }, function () { status.textContent = status.dataset.denied; }, { timeout: 10000 });
      });
    }
  });
})();
