// The duty office's map: Leaflet (vendored, loaded by office.html only as
// `window.L`) drawing the points the Rust side has placed and styled
// (kuaibao_core::geo). Positions arrive already in the base map's datum;
// nothing here converts or decides, it only draws.
//
// A classic script that office.html loads after Leaflet, defining
// `window.kuaibaoMap` (src/office/map.rs calls it by that name). Not a
// wasm-bindgen snippet: those are copied into every build of the crate,
// and the phone app must carry none of the map.
//
// Everything is built with DOM calls and textContent, never HTML strings,
// and styles are set as SVG attributes or through the style property, so
// the page's Content-Security-Policy (no inline styles or scripts) holds.

(function () {
'use strict';

const STATE = Symbol('kuaibaoMap');

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function popupOf(point) {
  const box = el('div', 'kb-popup');
  const title = el('a', 'kb-popup-title', point.title);
  title.href = point.href;
  title.setAttribute('data-testid', 'map-popup-link');
  box.appendChild(title);
  const list = el('dl');
  for (const [term, value] of point.facts) {
    list.appendChild(el('dt', '', term));
    list.appendChild(el('dd', '', value));
  }
  box.appendChild(list);
  return box;
}

/// A note in the map's corner (no tiles, tiles failing).
function note(L, text, testid) {
  const Note = L.Control.extend({
    options: { position: 'topright' },
    onAdd() {
      const box = el('div', 'kb-map-note', text);
      box.setAttribute('role', 'status');
      box.setAttribute('data-testid', testid);
      return box;
    },
  });
  return new Note();
}

/// Draws (or redraws) the map in `container`.
///
/// - `tilesJson`: `null`, or `{url, attribution, subdomains}`;
/// - `pointsJson`: `[{id, lat, lon, kind, overdue, fill, stroke, weight,
///   radius, dash, title, href, facts: [[term, value]…]}]`, positions in
///   the base map's datum;
/// - `noTilesNote`: the words shown without a base map;
/// - `fit`: fit the view to the points (the first drawing, or the 全部
///   button); otherwise the officer's view is kept.
function showMap(container, tilesJson, pointsJson, noTilesNote, fit) {
  const L = window.L;
  if (!L) throw new Error('Leaflet is not loaded (office.html loads vendor/leaflet)');
  const tiles = JSON.parse(tilesJson);
  const points = JSON.parse(pointsJson);
  let state = container[STATE];
  if (!state) {
    const map = L.map(container, { zoomControl: true, attributionControl: true, preferCanvas: false, worldCopyJump: false });
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    L.control.scale({ imperial: false }).addTo(map);
    if (tiles) {
      const layer = L.tileLayer(tiles.url, {
        attribution: escapeHtml(tiles.attribution || ''),
        subdomains: tiles.subdomains || 'abc',
        maxZoom: 18,
      });
      let failed = false;
      layer.on('tileerror', () => {
        if (failed) return;
        failed = true;
        container.setAttribute('data-tiles', 'failed');
        note(L, '底图无法加载：仅显示事件位置', 'map-tiles-failed').addTo(map);
      });
      layer.addTo(map);
      container.setAttribute('data-tiles', 'configured');
    } else {
      container.setAttribute('data-tiles', 'none');
      container.classList.add('kb-no-tiles');
      note(L, noTilesNote, 'map-no-tiles').addTo(map);
    }
    // While the view moves (a popup panned into view, a zoom), what is on
    // it is not where it will be: said on the container, for tests and tools.
    map.on('movestart', () => container.setAttribute('data-moving', 'yes'));
    map.on('moveend', () => container.removeAttribute('data-moving'));
    const markers = L.featureGroup().addTo(map);
    state = { map, markers };
    container[STATE] = state;
    fit = true;
  }
  const { map, markers } = state;
  markers.clearLayers();
  for (const p of points) {
    const marker = L.circleMarker([p.lat, p.lon], {
      radius: p.radius,
      color: p.stroke,
      weight: p.weight,
      opacity: 1,
      fillColor: p.fill,
      fillOpacity: 0.9,
      dashArray: p.dash || null,
      className: `kb-point kb-kind-${p.kind}${p.overdue ? ' kb-overdue' : ''}`,
    });
    marker.bindTooltip(p.title, { direction: 'top', offset: [0, -p.radius] });
    // A popup opens clear of the map's corner controls (zoom, notes): the
    // map pans it below them rather than under them (on a narrow screen
    // its width is bounded too: office-map.css).
    marker.bindPopup(() => popupOf(p), { autoPanPaddingTopLeft: L.point(8, 80), autoPanPaddingBottomRight: L.point(8, 8) });
    // The path exists once the layer is on a map that has a view (on the
    // first drawing, only after the fit below).
    marker.on('add', () => {
      const path = marker.getElement();
      if (!path) return;
      path.setAttribute('data-thread', p.id);
      path.setAttribute('data-kind', p.kind);
      path.setAttribute('data-overdue', p.overdue ? 'yes' : 'no');
      path.setAttribute('aria-label', p.title);
      // Where it is drawn (the base map's datum), for tests and tools.
      path.setAttribute('data-lat', String(p.lat));
      path.setAttribute('data-lon', String(p.lon));
    });
    marker.addTo(markers);
  }
  container.setAttribute('data-points', String(points.length));
  if (fit) {
    if (points.length > 0) {
      map.fitBounds(markers.getBounds(), { padding: [40, 40], maxZoom: 15, animate: false });
    } else {
      // Mainland China, for a start.
      map.setView([35.0, 105.0], 4, { animate: false });
    }
  }
  map.invalidateSize(false);
}

/// Forgets the map of `container` (its view is closing).
function dropMap(container) {
  const state = container[STATE];
  if (state) {
    state.map.remove();
    delete container[STATE];
  }
}

window.kuaibaoMap = { showMap, dropMap };
})();
