// The pins of the complaints shown, on OpenStreetMap tiles ([web] tile_url). The page works
// without it: the list and the card stand alone, and a tile that fails to load says so.
(function () {
  var box = document.getElementById("peta");
  var data = document.getElementById("pins");
  if (!box || !data || typeof L === "undefined") {
    if (box) { box.hidden = true; }
    return;
  }
  var pins = JSON.parse(data.textContent || "[]");
  var message = document.getElementById("peta-pesan");
  var map = L.map(box, { scrollWheelZoom: false });
  var tiles = L.tileLayer(box.getAttribute("data-tiles"), {
    maxZoom: 19,
    attribution: box.getAttribute("data-attribution")
  });
  var warned = false;
  tiles.on("tileerror", function () {
    if (!warned && message) {
      warned = true;
      message.textContent = box.getAttribute("data-tile-error");
      message.hidden = false;
    }
  });
  tiles.addTo(map);
  var bounds = [];
  pins.forEach(function (pin) {
    var marker = L.circleMarker([pin.lat, pin.lon], { radius: 7, color: "#0b4f6c", weight: 2 });
    var link = document.createElement("a");
    link.href = "/laporan/" + encodeURIComponent(pin.code);
    link.textContent = pin.label;
    marker.bindPopup(link);
    marker.addTo(map);
    bounds.push([pin.lat, pin.lon]);
  });
  if (bounds.length === 1) {
    map.setView(bounds[0], 16);
  } else if (bounds.length > 1) {
    map.fitBounds(bounds, { padding: [20, 20], maxZoom: 16 });
  }
})();
