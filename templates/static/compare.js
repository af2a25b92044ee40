/* compare.js: the compare page (compare.html#ids=a,b,c&mode=sync).
 *
 * 2 to 6 images of this tree (viewer-common.js reads each one's published
 * manifest; an unknown id, or one this audience may not see, becomes a
 * placeholder) in one of four modes, switched without losing the view:
 *   sync         a grid of OpenSeadragon viewers; the one under the pointer
 *                (or with the keyboard focus) leads and the others copy its
 *                centre, zoom and rotation in the same frame. Only the
 *                leader's changes are copied, so two viewers never chase
 *                each other's events.
 *   independent  the same grid, every viewer alone.
 *   curtain      two images stacked in one viewer, a divider between them
 *                (curtain.js).
 *   layers       all images stacked in one viewer, an opacity slider and a
 *                visibility switch each (layers.js).
 * Alignment: every image is placed in the same world coordinates, its width
 * 1 (images of one object differ in pixels, not in the object's width),
 * moved by a per-image offset (x, y, in image widths) and scale that the
 * user can nudge. The address keeps ids, mode, alignment and the curtain:
 *   #ids=a,b,c&mode=sync|curtain|independent|layers
 *    &align=ID:X,Y,S;ID:X,Y,S   (only images moved from 0,0,1)
 *    &dir=v|h&pair=ID,ID&at=0.5 (curtain)
 * window.vitrineCompare exposes the live viewers for the browser tests and
 * the bench (tests/browser/viewers.mjs, bench/viewers). */
(function () {
  'use strict';

  var V = window.vitrine;
  var W = window.vitrineViewers;
  var OSD = window.OpenSeadragon;
  var MIN = 2, MAX = 6;
  var MODES = ['sync', 'curtain', 'independent', 'layers'];
  var FAV_KEY = 'vitrine.favourites';

  var page = document.querySelector('.page.compare');
  var stage = document.getElementById('compare-stage');
  if (!page || !stage)
    return;
  var statusBox = document.getElementById('compare-status');
  var toolbar = document.getElementById('compare-toolbar');
  var help = document.getElementById('compare-mode-help');
  var curtainControls = document.getElementById('compare-curtain-controls');
  var dirSelect = document.getElementById('compare-curtain-dir');
  var aSelect = document.getElementById('compare-curtain-a');
  var bSelect = document.getElementById('compare-curtain-b');
  var listSection = document.getElementById('compare-images-section');
  var list = document.getElementById('compare-images');
  var addSelect = document.getElementById('compare-add-select');
  var addButton = document.getElementById('compare-add');
  var shareBox = document.getElementById('compare-share');

  function say(text) {
    statusBox.textContent = text;
  }

  if (!W || typeof OSD !== 'function') {
    say(V.t('cmp-no-viewer'));
    return;
  }

  /* ------------------------------------------------------------ state */

  var state = {ids: [], mode: 'sync', align: {}, dir: 'v', pair: [], at: 0.5};
  var dropped = 0;            /* ids beyond MAX in the address */
  var items = [];             /* per id: loadAsset's answer */
  var viewers = [];           /* grid modes: per item (null for a placeholder) */
  var single = null;          /* curtain and layers: the one viewer */
  var tiled = {};             /* id -> TiledImage in the single viewer */
  var leader = null;
  var view = null;            /* {x, y, zoom, rotation}: kept across rebuilds */
  var curtain = null;
  var layerState = {};        /* id -> {opacity, visible} */
  var written = '';           /* the hash this script wrote last */
  var generation = 0;         /* bumps on every rebuild; stale callbacks stop */

  function clamp(v, lo, hi) {
    return Math.min(hi, Math.max(lo, v));
  }

  function num(text, lo, hi, fallback) {
    var v = Number(text);
    return text !== '' && isFinite(v) ? clamp(v, lo, hi) : fallback;
  }

  function fmt(v) {
    return String(Math.round(v * 10000) / 10000);
  }

  function alignOf(id) {
    return state.align[id] || {x: 0, y: 0, s: 1};
  }

  function parseHash() {
    var params = new URLSearchParams(location.hash.replace(/^#/, ''));
    var seen = {};
    var ids = (params.get('ids') || '').split(',').map(function (s) { return s.trim(); })
      .filter(function (id) {
        if (!id || seen[id])
          return false;
        seen[id] = true;
        return true;
      });
    dropped = Math.max(0, ids.length - MAX);
    state.ids = ids.slice(0, MAX).map(function (id) { return id.slice(0, 64); });
    var mode = params.get('mode');
    state.mode = MODES.indexOf(mode) >= 0 ? mode : 'sync';
    state.align = {};
    (params.get('align') || '').split(';').forEach(function (entry) {
      var m = /^([a-z0-9]{1,64}):([^,]*),([^,]*),([^,]*)$/.exec(entry);
      if (!m || state.ids.indexOf(m[1]) < 0)
        return;
      state.align[m[1]] = {x: num(m[2], -1, 1, 0), y: num(m[3], -1, 1, 0), s: num(m[4], 0.1, 10, 1)};
    });
    state.dir = params.get('dir') === 'h' ? 'h' : 'v';
    state.pair = (params.get('pair') || '').split(',').filter(function (id) {
      return state.ids.indexOf(id) >= 0;
    }).slice(0, 2);
    state.at = num(params.get('at') || '', 0, 1, 0.5);
  }

  function hashOf() {
    var parts = ['ids=' + state.ids.join(','), 'mode=' + state.mode];
    var align = state.ids.filter(function (id) {
      var a = state.align[id];
      return a && (a.x !== 0 || a.y !== 0 || a.s !== 1);
    }).map(function (id) {
      var a = state.align[id];
      return id + ':' + fmt(a.x) + ',' + fmt(a.y) + ',' + fmt(a.s);
    });
    if (align.length)
      parts.push('align=' + align.join(';'));
    if (state.mode === 'curtain') {
      parts.push('dir=' + state.dir);
      if (state.pair.length === 2)
        parts.push('pair=' + state.pair.join(','));
      parts.push('at=' + fmt(state.at));
    }
    return '#' + parts.join('&');
  }

  function writeHash() {
    written = hashOf();
    if (location.hash !== written)
      history.replaceState(null, '', written);
    if (share)
      share.refresh();
  }

  /* ------------------------------------------------------------ views */

  function viewerOfEvent(event) {
    return event && event.eventSource;
  }

  function saveView(v) {
    if (!v || !v.viewport || !v.world || v.world.getItemCount() === 0)
      return;
    var c = v.viewport.getCenter(true);
    view = {x: c.x, y: c.y, zoom: v.viewport.getZoom(true), rotation: v.viewport.getRotation(true)};
  }

  function applyView(v, immediately) {
    if (!v || !v.viewport || !view)
      return;
    v.viewport.panTo(new OSD.Point(view.x, view.y), immediately);
    v.viewport.zoomTo(view.zoom, null, immediately);
    v.viewport.setRotation(state.mode === 'curtain' ? 0 : view.rotation, immediately);
  }

  /* Copies @from's current view to every other viewer, and draws them
   * now: in the same frame as the leader, whatever order the browser runs
   * the viewers' animation callbacks in. */
  var syncing = false;
  function syncFrom(from) {
    if (syncing || !from.viewport)
      return;
    syncing = true;
    var vp = from.viewport;
    var center = vp.getCenter(true), zoom = vp.getZoom(true), rotation = vp.getRotation(true);
    viewers.forEach(function (v) {
      if (!v || v === from || !v.viewport || !v.world)
        return;
      v.viewport.panTo(center, true);
      v.viewport.zoomTo(zoom, null, true);
      v.viewport.setRotation(rotation, true);
      v.viewport.update();
      v.world.update(true);
      v.world.draw();
      v.forceRedraw();
    });
    syncing = false;
  }

  function setLeader(v) {
    if (!v || leader === v)
      return;
    leader = v;
    viewers.forEach(function (w) {
      if (w && w.element)
        w.element.closest('.compare-panel').classList.toggle('is-leader', state.mode === 'sync' && w === v);
    });
  }

  function destroy() {
    if (curtain) {
      curtain.stop();
      curtain = null;
    }
    viewers.forEach(function (v) {
      if (v)
        v.destroy();
    });
    if (single)
      single.destroy();
    viewers = [];
    single = null;
    tiled = {};
    leader = null;
    stage.replaceChildren();
  }

  function placeholder(item) {
    return V.el('div', {className: 'compare-placeholder', role: 'img',
                        'aria-label': V.t('cmp-no-image', {id: item.id})},
                [V.el('p', {text: V.t('cmp-no-image-here', {id: item.id})}),
                 V.el('p', {className: 'compare-placeholder__why',
                            text: V.t('cmp-why', {reason: item.reason || V.t('reason-unknown')})})]);
  }

  function itemLabel(item) {
    return item.ok ? item.label : item.id;
  }

  function tileSource(item) {
    var a = alignOf(item.id);
    return {tileSource: item.info, x: a.x, y: a.y, width: a.s};
  }

  /* The grid of sync and independent. */
  function buildGrid(gen) {
    stage.className = 'compare-stage compare-grid compare-grid--' + items.length;
    var opened = 0, expected = 0;
    viewers = items.map(function (item, i) {
      var caption = V.el('figcaption', {className: 'compare-panel__label', dir: 'auto', lang: item.lang || null,
                                        text: (i + 1) + '. ' + itemLabel(item)});
      var panel = V.el('figure', {className: 'compare-panel' + (item.ok ? '' : ' compare-panel--missing')});
      stage.appendChild(panel);
      if (!item.ok) {
        panel.appendChild(placeholder(item));
        panel.appendChild(caption);
        return null;
      }
      var box = V.el('div', {className: 'compare-viewer'});
      panel.appendChild(box);
      panel.appendChild(caption);
      expected++;
      var v = OSD(W.options(box, {tileSources: [tileSource(item)]}));
      v.vtItem = item;
      var lead = function () {
        if (state.mode === 'sync')
          setLeader(v);
        else
          leader = v;
      };
      panel.addEventListener('pointerenter', lead);
      panel.addEventListener('pointerdown', lead);
      panel.addEventListener('focusin', lead);
      v.addHandler('open', function () {
        if (gen !== generation)
          return;
        W.label(v, itemLabel(item));
        opened++;
        if (view)
          applyView(v, true);
        if (opened === expected)
          allOpen();
      });
      v.addHandler('open-failed', function () {
        if (gen !== generation)
          return;
        panel.replaceChildren(placeholder({id: item.id, reason: V.t('reason-no-server')}), caption);
        viewers[i] = null;
        setTimeout(function () { v.destroy(); }, 0);
        expected--;
        if (opened === expected)
          (opened > 0 ? allOpen : ready)();
      });
      v.addHandler('viewport-change', function (event) {
        var src = viewerOfEvent(event);
        if (src !== leader || syncing)
          return;
        saveView(src);
        if (state.mode === 'sync')
          syncFrom(src);
      });
      return v;
    });
    function allOpen() {
      var first = viewers.filter(Boolean)[0];
      if (!view && first)
        saveView(first);
      if (state.mode === 'sync') {
        setLeader(leader || first);
        if (first) {
          applyView(first, true);
          syncFrom(first);
        }
      } else {
        leader = leader || first;
      }
      ready();
    }
    if (expected === 0)
      ready();
  }

  /* One viewer for curtain and layers: the images in list order (the
   * first at the bottom). */
  function buildSingle(gen, shown) {
    stage.className = 'compare-stage compare-single compare-single--' + state.mode;
    var box = V.el('div', {className: 'compare-viewer'});
    var wrap = V.el('div', {className: 'compare-single__frame'}, [box]);
    stage.appendChild(wrap);
    single = OSD(W.options(box, {}));
    leader = single;
    if (state.mode === 'layers')
      shown.forEach(function (item, i) {
        layerState[item.id] = layerState[item.id] || {opacity: i === 0 ? 1 : 0.5, visible: true};
      });
    var done = 0;
    shown.forEach(function (item) {
      single.addTiledImage(Object.assign(tileSource(item), {
        opacity: state.mode === 'layers' ? layerOpacity(item.id) : 1,
        success: function (event) {
          if (gen !== generation)
            return;
          tiled[item.id] = event.item;
          finish();
        },
        error: function () {
          if (gen !== generation)
            return;
          finish();
        }
      }));
    });
    function finish() {
      if (++done < shown.length)
        return;
      /* Layers: the first at the bottom. Curtain: the first (left or
       * upper) on top, clipped to its side of the divider. */
      var order = state.mode === 'curtain' ? shown.slice().reverse() : shown;
      order.forEach(function (item, i) {
        if (tiled[item.id])
          single.world.setItemIndex(tiled[item.id], Math.min(i, single.world.getItemCount() - 1));
      });
      W.label(single, state.mode === 'curtain'
                      ? V.t('cmp-curtain-of', {a: itemLabel(shown[0]), b: shown[1] ? itemLabel(shown[1]) : ''})
                      : V.t('cmp-layers-of', {labels: shown.map(itemLabel).join(', ')}));
      if (view)
        applyView(single, true);
      else
        single.viewport.goHome(true);
      saveView(single);
      single.addHandler('viewport-change', function () {
        saveView(single);
      });
      if (state.mode === 'curtain' && window.vitrineCurtain && shown.length === 2 &&
          tiled[shown[0].id] && tiled[shown[1].id]) {
        curtain = window.vitrineCurtain.start({
          viewer: single, frame: wrap, top: tiled[shown[0].id], dir: state.dir, at: state.at,
          labels: [itemLabel(shown[0]), itemLabel(shown[1])],
          onMove: function (at) {
            state.at = at;
            writeHashSoon();
          }
        });
      }
      if (state.mode === 'layers')
        renderList();
      ready();
    }
    if (shown.length === 0)
      ready();
  }

  var hashTimer = 0;
  function writeHashSoon() {
    clearTimeout(hashTimer);
    hashTimer = setTimeout(writeHash, 250);
  }

  function layerOpacity(id) {
    var l = layerState[id];
    if (!l)
      return 1;
    return l.visible ? l.opacity : 0;
  }

  /* The two images of the curtain: the chosen pair, else the first two. */
  function curtainPair() {
    var ok = items.filter(function (it) { return it.ok; });
    var pick = state.pair.map(function (id) {
      return ok.filter(function (it) { return it.id === id; })[0];
    }).filter(Boolean);
    if (pick.length !== 2 || pick[0] === pick[1])
      pick = ok.slice(0, 2);
    return pick;
  }

  function ready() {
    page.classList.add('is-ready');
    page.setAttribute('data-ready', String(generation));
  }

  function build() {
    var gen = ++generation;
    page.removeAttribute('data-ready');
    destroy();
    if (state.mode === 'curtain') {
      buildSingle(gen, curtainPair());
    } else if (state.mode === 'layers') {
      buildSingle(gen, items.filter(function (it) { return it.ok; }));
    } else {
      buildGrid(gen);
    }
  }

  /* ------------------------------------------------------------ the list */

  function numberField(label, value, step, onChange) {
    var input = V.el('input', {type: 'number', step: step, value: fmt(value), inputmode: 'decimal'});
    input.addEventListener('change', function () {
      onChange(input.value);
    });
    return V.el('label', {className: 'compare-align__field'}, [label + ' ', input]);
  }

  /* Moves the image @id to its new alignment without rebuilding. */
  function applyAlign(id) {
    var a = alignOf(id);
    var targets = [];
    viewers.forEach(function (v) {
      if (v && v.vtItem && v.vtItem.id === id && v.world.getItemCount() > 0)
        targets.push(v.world.getItemAt(0));
    });
    if (tiled[id])
      targets.push(tiled[id]);
    targets.forEach(function (t) {
      t.setPosition(new OSD.Point(a.x, a.y), true);
      t.setWidth(a.s, true);
    });
    if (curtain)
      curtain.update();
    writeHash();
  }

  function move(index, by) {
    var to = index + by;
    if (to < 0 || to >= state.ids.length)
      return;
    var ids = state.ids.slice();
    var t = ids[index];
    ids[index] = ids[to];
    ids[to] = t;
    setIds(ids, {focusId: t, action: by < 0 ? 'up' : 'down'});
  }

  function renderList(focus) {
    list.replaceChildren();
    items.forEach(function (item, i) {
      var label = itemLabel(item);
      var title = item.ok
        ? V.el('a', {href: item.page, dir: 'auto', lang: item.lang || null, text: label})
        : V.el('span', {text: V.t('cmp-not-here', {id: item.id})});
      var up = V.el('button', {type: 'button', className: 'button-secondary', 'data-action': 'up',
                               'aria-label': V.t('cmp-earlier', {label: label}), text: '↑'});
      var down = V.el('button', {type: 'button', className: 'button-secondary', 'data-action': 'down',
                                 'aria-label': V.t('cmp-later', {label: label}), text: '↓'});
      var remove = V.el('button', {type: 'button', className: 'button-secondary', 'data-action': 'remove',
                                   'aria-label': V.t('cmp-remove', {label: label}), text: V.t('remove')});
      up.disabled = i === 0;
      down.disabled = i === items.length - 1;
      up.addEventListener('click', function () { move(i, -1); });
      down.addEventListener('click', function () { move(i, 1); });
      remove.addEventListener('click', function () {
        setIds(state.ids.filter(function (id) { return id !== item.id; }), {focusIndex: i});
      });
      var row = V.el('li', {className: 'compare-item', 'data-id': item.id}, [
        V.el('span', {className: 'compare-item__title'}, [(i + 1) + '. ', title]),
        V.el('span', {className: 'compare-item__buttons'}, [up, down, remove])
      ]);
      if (item.ok) {
        var a = alignOf(item.id);
        var set = function (key, lo, hi, factor) {
          return function (text) {
            var cur = alignOf(item.id);
            var next = {x: cur.x, y: cur.y, s: cur.s};
            next[key] = num(text, lo * factor, hi * factor, cur[key] * factor) / factor;
            state.align[item.id] = next;
            applyAlign(item.id);
          };
        };
        var details = V.el('details', {className: 'compare-align'}, [
          V.el('summary', {text: V.t('cmp-alignment', {label: label})}),
          numberField(V.t('cmp-offset-x'), a.x * 100, '0.1', set('x', -1, 1, 100)),
          numberField(V.t('cmp-offset-y'), a.y * 100, '0.1', set('y', -1, 1, 100)),
          numberField(V.t('cmp-scale'), a.s * 100, '0.5', set('s', 0.1, 10, 100))
        ]);
        var reset = V.el('button', {type: 'button', className: 'button-secondary', text: 'Reset alignment'});
        reset.addEventListener('click', function () {
          delete state.align[item.id];
          applyAlign(item.id);
          renderList({id: item.id, selector: 'summary'});
        });
        details.appendChild(reset);
        if (state.alignOpen && state.alignOpen[item.id])
          details.open = true;
        details.addEventListener('toggle', function () {
          state.alignOpen = state.alignOpen || {};
          state.alignOpen[item.id] = details.open;
        });
        row.appendChild(details);
        if (state.mode === 'layers' && window.vitrineLayers && tiled[item.id]) {
          layerState[item.id] = layerState[item.id] || {opacity: i === 0 ? 1 : 0.5, visible: true};
          row.appendChild(window.vitrineLayers.control(label, tiled[item.id], layerState[item.id]));
        }
      }
      list.appendChild(row);
    });
    if (focus) {
      var target = null;
      if (focus.id)
        target = list.querySelector('[data-id="' + focus.id + '"] ' + (focus.selector || '[data-action="' + focus.action + '"]'));
      if (!target && typeof focus.focusIndex === 'number') {
        var rows = list.children;
        var r = rows[Math.min(focus.focusIndex, rows.length - 1)];
        target = r ? r.querySelector('[data-action="remove"]') : addSelect;
      }
      if (target && !target.disabled)
        target.focus();
      else if (target)
        (target.closest('li') || list).querySelector('button:not([disabled])').focus();
    }
    renderAdd();
  }

  function favourites() {
    var out;
    try {
      out = JSON.parse(window.localStorage.getItem(FAV_KEY) || '[]');
    } catch (e) {
      out = [];
    }
    return (Array.isArray(out) ? out : []).filter(function (f) {
      return f && typeof f.id === 'string' && W.ID_RE.test(f.id) && typeof f.label === 'string';
    });
  }

  function renderAdd() {
    var options = favourites().filter(function (f) { return state.ids.indexOf(f.id) < 0; });
    addSelect.replaceChildren();
    options.forEach(function (f) {
      addSelect.appendChild(V.el('option', {value: f.id, text: f.label.slice(0, 200)}));
    });
    if (options.length === 0)
      addSelect.appendChild(V.el('option', {value: '', text: V.t(state.ids.length >= MAX ? 'cmp-six-at-most' : 'cmp-no-other')}));
    var full = state.ids.length >= MAX;
    addSelect.disabled = options.length === 0 || full;
    addButton.disabled = options.length === 0 || full;
  }

  function renderCurtainControls() {
    curtainControls.hidden = state.mode !== 'curtain';
    if (state.mode !== 'curtain')
      return;
    var ok = items.filter(function (it) { return it.ok; });
    var pair = curtainPair();
    [aSelect, bSelect].forEach(function (select, k) {
      select.replaceChildren();
      ok.forEach(function (it) {
        select.appendChild(V.el('option', {value: it.id, text: it.label}));
      });
      if (pair[k])
        select.value = pair[k].id;
      select.disabled = ok.length <= 2;
    });
    dirSelect.value = state.dir;
    document.getElementById('compare-curtain-a-label').textContent = state.dir === 'v' ? 'Left image' : 'Upper image';
    document.getElementById('compare-curtain-b-label').textContent = state.dir === 'v' ? 'Right image' : 'Lower image';
  }

  function renderToolbar() {
    toolbar.hidden = false;
    document.querySelectorAll('input[name="compare-mode"]').forEach(function (radio) {
      radio.checked = radio.value === state.mode;
    });
    help.textContent = V.t('help-' + state.mode);
    renderCurtainControls();
    var rotate = toolbar.querySelector('[data-action="rotate"]');
    rotate.disabled = state.mode === 'curtain';
  }

  function report() {
    var ok = items.filter(function (it) { return it.ok; }).length;
    var missing = items.length - ok;
    var text;
    if (items.length === 0)
      text = V.t('cmp-none');
    else
      text = V.t(ok === 1 ? 'cmp-one' : 'cmp-many', {n: ok}) +
        (missing ? V.t('cmp-missing', {n: missing}) : '') +
        (dropped ? V.t('cmp-dropped', {n: dropped}) : '') +
        (ok < MIN ? V.t('cmp-add-another') : '.');
    say(text);
  }

  /* ------------------------------------------------------------ changes */

  function load() {
    var ids = state.ids.slice();
    return Promise.all(ids.map(W.loadAsset)).then(function (answers) {
      if (ids.join(',') !== state.ids.join(','))
        return false;
      items = answers;
      return true;
    });
  }

  function refreshAll(focus) {
    page.removeAttribute('data-ready');
    writeHash();
    return load().then(function (current) {
      if (!current)
        return;
      report();
      renderToolbar();
      toolbar.hidden = items.length === 0;
      listSection.hidden = false;
      shareBox.hidden = items.length === 0;
      renderList(focus);
      build();
    });
  }

  function setIds(ids, focus) {
    state.ids = ids.slice(0, MAX);
    dropped = 0;
    state.pair = state.pair.filter(function (id) { return state.ids.indexOf(id) >= 0; });
    refreshAll(focus);
  }

  function setMode(mode) {
    if (MODES.indexOf(mode) < 0 || mode === state.mode)
      return;
    /* The view of the viewer in use (the leader) carries over. */
    saveView(single || leader);
    state.mode = mode;
    writeHash();
    renderToolbar();
    renderList();
    build();
  }

  document.querySelectorAll('input[name="compare-mode"]').forEach(function (radio) {
    radio.addEventListener('change', function () {
      if (radio.checked)
        setMode(radio.value);
    });
  });
  dirSelect.addEventListener('change', function () {
    state.dir = dirSelect.value === 'h' ? 'h' : 'v';
    writeHash();
    renderCurtainControls();
    if (curtain)
      curtain.setDir(state.dir);
  });
  [aSelect, bSelect].forEach(function (select) {
    select.addEventListener('change', function () {
      var a = aSelect.value, b = bSelect.value;
      if (a === b) {
        /* The same image twice shows nothing: swap the other side. */
        var old = curtainPair();
        if (select === aSelect)
          b = old[0].id === a ? old[1].id : old[0].id;
        else
          a = old[1].id === b ? old[0].id : old[1].id;
      }
      state.pair = [a, b];
      saveView(single);
      writeHash();
      renderCurtainControls();
      build();
    });
  });
  toolbar.querySelector('.compare-view-controls').addEventListener('click', function (event) {
    var button = event.target.closest('button[data-action]');
    if (!button)
      return;
    var targets = single ? [single] : state.mode === 'sync' ? [leader] : viewers.filter(Boolean);
    targets.forEach(function (v) {
      if (!v || !v.viewport)
        return;
      leader = state.mode === 'sync' ? v : leader;
      if (button.getAttribute('data-action') === 'home')
        v.viewport.goHome();
      else
        v.viewport.setRotation((v.viewport.getRotation() + 90) % 360);
    });
  });
  addButton.addEventListener('click', function () {
    var id = addSelect.value;
    if (!W.ID_RE.test(id) || state.ids.indexOf(id) >= 0 || state.ids.length >= MAX)
      return;
    setIds(state.ids.concat([id]), {id: id, action: 'remove'});
  });
  window.addEventListener('hashchange', function () {
    if (location.hash === written)
      return;
    parseHash();
    refreshAll();
  });
  window.addEventListener('storage', function (event) {
    if (event.key === FAV_KEY)
      renderAdd();
  });

  var share = window.vitrineShare
    ? window.vitrineShare.setup(shareBox, function () {
        return items.filter(function (it) { return it.ok; }).map(function (it) { return it.id; });
      })
    : null;

  window.vitrineCompare = {
    state: function () { return JSON.parse(JSON.stringify(state)); },
    items: function () { return items.slice(); },
    viewers: function () { return viewers.slice(); },
    single: function () { return single; },
    tiled: function (id) { return tiled[id] || null; },
    leader: function () { return leader; },
    curtain: function () { return curtain; },
    setMode: setMode
  };

  parseHash();
  refreshAll();
})();
