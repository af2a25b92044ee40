/* annotations.js: an asset's annotations, read-only, over its viewer.
 *
 * Root: <section id="annotations" data-url="...annotations.json"> (the
 * tree's IIIF AnnotationPage: public annotations only on the public site),
 * with a legend of the types (data-type, data-colour) and an empty list.
 * Each annotation is drawn over the image (viewer.js's OpenSeadragon, shared
 * as #viewer's vitrineViewer) in its type's colour, and listed; a list entry
 * is a button that zooms to its region and marks it; #annotation=ID in the
 * address opens the page zoomed on that one.
 *
 * Values are text: they go in with textContent, never as HTML. Without the
 * script, the section still links the AnnotationPage itself. */
(function () {
  'use strict';

  var root = document.getElementById('annotations');
  if (!root || !window.vitrine)
    return;
  var V = window.vitrine;
  var url = V.safeUrl(root.getAttribute('data-url'));
  var status = root.querySelector('.annotations__status');
  var list = root.querySelector('.annotations__list');
  var legend = root.querySelector('.annotations__legend');
  var box = document.getElementById('viewer');
  var colours = {}, labels = {};
  var entries = [];   /* {id, type, rect: {x, y, w, h}, points, overlay, button} */
  var current = null;

  function say(text) {
    if (status)
      status.textContent = text;
  }

  if (legend) {
    Array.prototype.forEach.call(legend.querySelectorAll('[data-type]'), function (item) {
      var colour = item.getAttribute('data-colour');
      if (/^#[0-9a-fA-F]{6}$/.test(colour || ''))
        colours[item.getAttribute('data-type')] = colour;
      labels[item.getAttribute('data-type')] = item.textContent.trim();
      var swatch = item.querySelector('.annotations__swatch');
      if (swatch && colours[item.getAttribute('data-type')])
        swatch.style.backgroundColor = colours[item.getAttribute('data-type')];
      item.hidden = true;   /* shown when a drawn annotation has that type */
    });
  }

  /* The region of a target: "xywh=x,y,w,h" (with pixel: too), or the
   * points of an SVG <path d="M x,y L x,y ... Z"> as vitrine writes it. */
  function regionOf(target) {
    var sel = target && target.selector;
    if (Array.isArray(sel))
      sel = sel[0];
    if (!sel || typeof sel.value !== 'string')
      return null;
    var m = /xywh=(?:pixel:)?([0-9.]+),([0-9.]+),([0-9.]+),([0-9.]+)/.exec(sel.value);
    if (sel.type !== 'SvgSelector' && m)
      return {rect: {x: +m[1], y: +m[2], w: +m[3], h: +m[4]}, points: null};
    if (sel.type !== 'SvgSelector')
      return null;
    var d = /\sd="([^"]*)"/.exec(sel.value) || /\spoints="([^"]*)"/.exec(sel.value);
    if (!d)
      return null;
    var nums = d[1].match(/-?[0-9.]+/g) || [];
    var points = [];
    for (var i = 0; i + 1 < nums.length; i += 2)
      points.push([+nums[i], +nums[i + 1]]);
    if (points.length < 3)
      return null;
    var xs = points.map(function (p) { return p[0]; });
    var ys = points.map(function (p) { return p[1]; });
    var x0 = Math.min.apply(null, xs), y0 = Math.min.apply(null, ys);
    return {rect: {x: x0, y: y0, w: Math.max(1, Math.max.apply(null, xs) - x0),
                   h: Math.max(1, Math.max.apply(null, ys) - y0)}, points: points};
  }

  function shortId(id) {
    var s = String(id || '');
    return s.slice(s.lastIndexOf('/') + 1);
  }

  function textOf(ann) {
    var bodies = Array.isArray(ann.body) ? ann.body : (ann.body ? [ann.body] : []);
    return bodies.map(function (b) {
      var field = b['vitrine:field'];
      var value = typeof b.value === 'string' ? b.value : '';
      return field && field !== 'text' && field !== 'terms' ? field + ': ' + value : value;
    }).filter(function (s) { return s !== ''; });
  }

  function drawShape(entry, colour) {
    var r = entry.rect;
    var svgNS = 'http://www.w3.org/2000/svg';
    var el = document.createElement('div');
    el.className = 'annotation-shape';
    el.setAttribute('data-annotation', entry.id);
    el.style.setProperty('--annotation-colour', colour);
    if (entry.points) {
      var svg = document.createElementNS(svgNS, 'svg');
      svg.setAttribute('viewBox', r.x + ' ' + r.y + ' ' + r.w + ' ' + r.h);
      svg.setAttribute('preserveAspectRatio', 'none');
      svg.setAttribute('aria-hidden', 'true');
      var poly = document.createElementNS(svgNS, 'polygon');
      poly.setAttribute('points', entry.points.map(function (p) { return p.join(','); }).join(' '));
      poly.setAttribute('vector-effect', 'non-scaling-stroke');
      svg.appendChild(poly);
      el.appendChild(svg);
      el.classList.add('annotation-shape--polygon');
    }
    return el;
  }

  function viewerOf() {
    var v = box && box.vitrineViewer;
    return v && v.world && v.world.getItemCount() > 0 ? v : null;
  }

  function place() {
    var viewer = viewerOf();
    if (!viewer)
      return;
    entries.forEach(function (entry) {
      if (entry.placed)
        return;
      var r = entry.rect;
      var rect = viewer.viewport.imageToViewportRectangle(r.x, r.y, r.w, r.h);
      viewer.addOverlay({element: entry.overlay, location: rect});
      entry.placed = true;
    });
    root.setAttribute('data-drawn', String(entries.length));
    var wanted = /(?:^#|&)annotation=([A-Za-z0-9_-]{1,64})/.exec(location.hash);
    if (wanted)
      select(wanted[1], false);
  }

  function select(id, moveFocus) {
    var entry = entries.filter(function (e) { return e.id === id; })[0];
    if (!entry)
      return;
    if (current) {
      current.overlay.classList.remove('annotation-shape--current');
      current.button.setAttribute('aria-pressed', 'false');
    }
    current = entry;
    entry.overlay.classList.add('annotation-shape--current');
    entry.button.setAttribute('aria-pressed', 'true');
    var viewer = viewerOf();
    if (viewer) {
      var r = entry.rect, pad = Math.max(r.w, r.h) * 0.25;
      viewer.viewport.fitBounds(viewer.viewport.imageToViewportRectangle(
        r.x - pad, r.y - pad, r.w + 2 * pad, r.h + 2 * pad));
    }
    if (moveFocus && box)
      box.scrollIntoView({block: 'nearest'});
    say(V.t('annotation-shown', {n: entries.indexOf(entry) + 1, total: entries.length}));
  }

  function show(page) {
    var items = page && Array.isArray(page.items) ? page.items : [];
    var seenTypes = {};
    items.forEach(function (ann) {
      var region = regionOf(ann.target);
      var id = shortId(ann.id);
      if (!region || !/^[A-Za-z0-9_-]{1,64}$/.test(id))
        return;
      var type = typeof ann['vitrine:type'] === 'string' ? ann['vitrine:type'] : 'descriptive';
      var colour = colours[type] || '#595959';
      seenTypes[type] = true;
      var entry = {id: id, type: type, rect: region.rect, points: region.points};
      entry.overlay = drawShape(entry, colour);
      var texts = textOf(ann);
      var swatch = V.el('span', {className: 'annotations__swatch', 'aria-hidden': 'true'});
      swatch.style.backgroundColor = colour;
      entry.button = V.el('button', {type: 'button', className: 'annotations__item',
                                     'aria-pressed': 'false', 'data-annotation': id}, [
        swatch,
        V.el('span', {className: 'annotations__type', text: labels[type] || type}),
        V.el('span', {className: 'annotations__text', text: texts.join(' · ') || '(no text)'})
      ]);
      entry.button.addEventListener('click', function () {
        if (history.replaceState)
          history.replaceState(null, '', '#annotation=' + id);
        select(id, true);
      });
      entry.overlay.addEventListener('click', function () { select(id, false); });
      list.appendChild(V.el('li', null, [entry.button]));
      entries.push(entry);
    });
    if (legend)
      Array.prototype.forEach.call(legend.querySelectorAll('[data-type]'), function (item) {
        item.hidden = !seenTypes[item.getAttribute('data-type')];
      });
    say(V.t(entries.length === 1 ? 'annotations-one' : 'annotations-many', {n: entries.length}));
    if (viewerOf())
      place();
    else if (box && box.vitrineViewer)
      box.vitrineViewer.addHandler('open', place);
  }

  if (!url || !list) {
    say('');
    return;
  }
  say(V.t('annotations-loading'));
  fetch(url, {credentials: 'same-origin'}).then(function (response) {
    if (!response.ok)
      throw new Error('HTTP ' + response.status);
    return response.json();
  }).then(show).catch(function () {
    say(V.t('annotations-failed'));
  });

  window.addEventListener('hashchange', function () {
    var wanted = /(?:^#|&)annotation=([A-Za-z0-9_-]{1,64})/.exec(location.hash);
    if (wanted)
      select(wanted[1], false);
  });
})();
