/* workspace.js: the annotation workspace of the internal asset page.
 *
 * Root: <section id="workspace"> (internal tree, [staff] readable), with
 * data-edit-url (vitrine-edit.cgi), data-asset, data-annotations (the
 * tree's IIIF AnnotationPage) and data-published (how many it holds: no
 * file while there are none), data-types
 * (vt_annotation_types_json: [{name, label, colour, fields: [{name, kind,
 * choices?}]}]), data-width/-height (the image's size) and data-terms
 * (terms.json, for suggestions while a term is typed).
 *
 * Annotorious 3 (static/vendor/annotorious/, the plain-script build of
 * @annotorious/openseadragon, global AnnotoriousOSD) draws over viewer.js's
 * OpenSeadragon (#viewer's vitrineViewer): rectangles and polygons are
 * drawn, selected, moved, reshaped and deleted there. Everything else is
 * vitrine's own: the side panel with the typed form of the selected
 * annotation, the list (a click or Enter zooms to the region), filters
 * (type, creator, a field's value, any text), colour schemes with their
 * legend (by type, by damage type, by treatment; colours are CSS custom
 * properties of the section: --ws-type-NAME from the configuration,
 * --ws-scheme-1..8 and --ws-scheme-none from vitrine.css) switched without
 * reloading, #annotation=ID deep links (opened zoomed), and buttons for all
 * of it, so that the keyboard reaches everything (a rectangle can be made
 * over the current view and its region typed in).
 *
 * Saving: each change is one POST to the edit CGI ({"action":
 * "annotation-create" | "-update" | "-delete", "id", "annotation"} with
 * If-Match: the annotation's version, core/vt_staff.h); the answer is what
 * vitrined stored (its id, version, creator), shown at once. A conflict
 * (409) says so and shows the current version. Values are text:
 * textContent, never HTML.
 *
 * Texts: V.t, from the asset page's strings (ws-*, the editor's ed-* and
 * the annotations' where they say the same), in the page's language; the
 * built-in types' fields are labelled by ws-label-NAME, other fields by
 * their name. Type labels, choices and values are the configuration's. */
(function () {
  'use strict';

  var root = document.getElementById('workspace');
  var V = window.vitrine;
  var box = document.getElementById('viewer');
  if (!root || !V || !box || !window.fetch)
    return;
  var status = root.querySelector('.workspace__status');
  function say(text) {
    if (status)
      status.textContent = text;
  }
  if (!window.AnnotoriousOSD || typeof window.AnnotoriousOSD.createOSDAnnotator !== 'function') {
    say(V.t('ws-no-library'));
    return;
  }

  var editUrl = V.safeUrl(root.getAttribute('data-edit-url'));
  var pageUrl = V.safeUrl(root.getAttribute('data-annotations'));
  var termsUrl = V.safeUrl(root.getAttribute('data-terms'));
  var assetId = root.getAttribute('data-asset') || '';
  var width = parseInt(root.getAttribute('data-width'), 10) || 0;
  var height = parseInt(root.getAttribute('data-height'), 10) || 0;
  var types = [];
  try {
    types = JSON.parse(root.getAttribute('data-types') || '[]');
  } catch (e) {
    types = [];
  }
  types = (Array.isArray(types) ? types : []).filter(function (t) {
    return t && /^[a-z0-9-]{1,40}$/.test(t.name) && Array.isArray(t.fields);
  });
  var typeByName = {};
  types.forEach(function (t) { typeByName[t.name] = t; });
  var ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
  var NEW_PREFIX = 'new-';

  /* id -> {id, type, shape, fields, visibility, creator, version, saved} */
  var records = {};
  var order = [];            /* ids, in list order */
  var selected = null;       /* id */
  var scheme = 'type';
  var terms = [];            /* [{field, term}] */
  var anno = null;
  var viewer = null;
  var newCount = 0;

  /* ---- colours ---------------------------------------------------------- */

  types.forEach(function (t) {
    if (/^#[0-9a-fA-F]{6}$/.test(t.colour || ''))
      root.style.setProperty('--ws-type-' + t.name, t.colour);
  });

  /* Colours are read from the section's custom properties once per
   * refresh (reading computed style while the list grows would make every
   * read a style recalculation). */
  var cache = null;   /* {props: {name: colour}, values: [...], index: {value: i}} */

  function cssColour(name, fallback) {
    if (cache && Object.prototype.hasOwnProperty.call(cache.props, name))
      return cache.props[name] || fallback;
    var v = getComputedStyle(root).getPropertyValue(name).trim();
    v = /^#[0-9a-fA-F]{6}$/.test(v) ? v.toLowerCase() : null;
    if (cache)
      cache.props[name] = v;
    return v || fallback;
  }

  function recolour() {
    cache = null;
    var values = schemeValues();
    var index = {};
    values.forEach(function (v, i) { index[v] = i; });
    cache = {props: {}, values: values, index: index};
  }

  /* The values a scheme colours by, in legend order. */
  function schemeValues() {
    if (scheme === 'type')
      return types.map(function (t) { return t.name; });
    var field = scheme === 'damage' ? 'damage' : 'treatment';
    var values = [];
    var rest = typeByName.restoration;
    (rest ? rest.fields : []).forEach(function (f) {
      if (f.name === field && Array.isArray(f.choices))
        f.choices.forEach(function (c) { values.push(c); });
    });
    order.forEach(function (id) {
      var v = schemeValueOf(records[id]);
      if (v && values.indexOf(v) < 0)
        values.push(v);
    });
    return values;
  }

  function schemeValueOf(rec) {
    if (!rec)
      return null;
    if (scheme === 'type')
      return rec.type;
    var v = rec.fields[scheme === 'damage' ? 'damage' : 'treatment'];
    if (Array.isArray(v))
      v = v[0];
    return typeof v === 'string' && v !== '' ? v : null;
  }

  function colourOf(rec) {
    var none = cssColour('--ws-scheme-none', '#8c8c8c');
    if (scheme === 'type')
      return cssColour('--ws-type-' + (rec ? rec.type : ''), none);
    var v = schemeValueOf(rec);
    if (!v)
      return none;
    var i = cache && cache.index[v] !== undefined ? cache.index[v] : schemeValues().indexOf(v);
    return cssColour('--ws-scheme-' + ((i % 8) + 1), none);
  }

  function styleFor(annotation, state) {
    var rec = records[annotation.id];
    var colour = colourOf(rec);
    var current = state && state.selected;
    /* A stroke 1 wide is drawn as native lines: Annotorious re-tessellates
     * wider strokes of every shape at each change of scale, which costs
     * seconds with thousands of shapes. The selected one stands out. */
    return {fill: colour, fillOpacity: current ? 0.35 : 0.2, stroke: colour, strokeOpacity: 1,
            strokeWidth: current ? 2 : 1};
  }

  /* ---- the stored form and Annotorious's ------------------------------- */

  function bounds(points) {
    var xs = points.map(function (p) { return p[0]; });
    var ys = points.map(function (p) { return p[1]; });
    return {minX: Math.min.apply(null, xs), minY: Math.min.apply(null, ys),
            maxX: Math.max.apply(null, xs), maxY: Math.max.apply(null, ys)};
  }

  function toAnnotorious(rec) {
    var sel;
    if (rec.shape.points) {
      sel = {type: 'POLYGON', geometry: {points: rec.shape.points.map(function (p) {
        return [p[0], p[1]];
      }), bounds: bounds(rec.shape.points)}};
    } else {
      var s = rec.shape;
      sel = {type: 'RECTANGLE', geometry: {x: s.x, y: s.y, w: s.w, h: s.h,
                                           bounds: {minX: s.x, minY: s.y, maxX: s.x + s.w,
                                                    maxY: s.y + s.h}}};
    }
    return {id: rec.id, bodies: [], target: {annotation: rec.id, selector: sel}};
  }

  function clampX(v) { return Math.max(0, Math.min(width, Math.round(v))); }
  function clampY(v) { return Math.max(0, Math.min(height, Math.round(v))); }

  /* Annotorious's shape as vitrine's: whole pixels inside the image. */
  function shapeOf(annotation) {
    var sel = annotation && annotation.target && annotation.target.selector;
    var g = sel && sel.geometry;
    if (!g)
      return null;
    if (sel.type === 'POLYGON' && Array.isArray(g.points)) {
      return {points: g.points.map(function (p) { return [clampX(p[0]), clampY(p[1])]; })};
    }
    var x = clampX(g.x), y = clampY(g.y);
    var x2 = clampX(g.x + g.w), y2 = clampY(g.y + g.h);
    return {x: x, y: y, w: Math.max(1, x2 - x), h: Math.max(1, y2 - y)};
  }

  function regionOf(target) {
    var sel = target && target.selector;
    if (Array.isArray(sel))
      sel = sel[0];
    if (!sel || typeof sel.value !== 'string')
      return null;
    var m = /xywh=(?:pixel:)?([0-9.]+),([0-9.]+),([0-9.]+),([0-9.]+)/.exec(sel.value);
    if (sel.type !== 'SvgSelector' && m)
      return {x: Math.round(+m[1]), y: Math.round(+m[2]), w: Math.round(+m[3]),
              h: Math.round(+m[4])};
    var d = /\sd="([^"]*)"/.exec(sel.value) || /\spoints="([^"]*)"/.exec(sel.value);
    if (!d)
      return null;
    var nums = d[1].match(/-?[0-9.]+/g) || [];
    var points = [];
    for (var i = 0; i + 1 < nums.length; i += 2)
      points.push([Math.round(+nums[i]), Math.round(+nums[i + 1])]);
    return points.length >= 3 ? {points: points} : null;
  }

  /* One W3C annotation of the AnnotationPage as a record. */
  function fromW3C(ann) {
    var id = String(ann.id || '');
    id = id.slice(id.lastIndexOf('/') + 1);
    var type = ann['vitrine:type'];
    var shape = regionOf(ann.target);
    if (!ID_RE.test(id) || typeof type !== 'string' || !shape)
      return null;
    var t = typeByName[type];
    var fields = {};
    var bodies = Array.isArray(ann.body) ? ann.body : (ann.body ? [ann.body] : []);
    bodies.forEach(function (b) {
      var name = b && b['vitrine:field'];
      if (typeof name !== 'string')
        return;
      var f = t ? t.fields.filter(function (x) { return x.name === name; })[0] : null;
      var value = typeof b['vitrine:number'] === 'number' ? b['vitrine:number'] : b.value;
      if (f && f.kind === 'terms') {
        fields[name] = (fields[name] || []).concat([value]);
      } else {
        fields[name] = value;
      }
      if (typeof b.language === 'string' && t)
        t.fields.forEach(function (x) {
          if (x.kind === 'language')
            fields[x.name] = b.language;
        });
    });
    return {id: id, type: type, shape: shape, fields: fields,
            visibility: ann['vitrine:visibility'] === 'public' ? 'public' : 'internal',
            creator: ann.creator && typeof ann.creator.name === 'string' ? ann.creator.name : '',
            version: typeof ann['vitrine:version'] === 'string' ? ann['vitrine:version'] : '',
            saved: true};
  }

  function fromStored(ann, version) {
    return {id: ann.id, type: ann.type, shape: ann.shape, fields: ann.fields || {},
            visibility: ann.visibility || 'internal', creator: ann.creator || '',
            version: version || '', saved: true};
  }

  /* A field's label: the page's text for the built-in types' fields
   * (<span data-k="ws-label-NAME">), else made from its name as the
   * configuration wrote it ("sample-id": "Sample id"). */
  function fieldLabel(name) {
    var key = 'ws-label-' + name;
    var text = V.t('ws-label-' + name);
    return text !== key ? text : name.charAt(0).toUpperCase() + name.slice(1).replace(/[-_]/g, ' ');
  }

  /* ---- the page's parts ------------------------------------------------ */

  var typeSelect = V.el('select', {id: 'ws-new-type'},
    types.map(function (t) { return V.el('option', {value: t.name, text: t.label || t.name}); }));
  var toolbar = V.el('div', {className: 'workspace__tools', role: 'toolbar',
                             'aria-label': V.t('ws-tools')}, [
    V.el('label', {'for': 'ws-new-type', text: V.t('ws-new-type') + ' '}), typeSelect,
    V.el('button', {type: 'button', 'data-tool': 'rectangle', 'aria-pressed': 'false',
                    text: V.t('ws-draw-rectangle')}),
    V.el('button', {type: 'button', 'data-tool': 'polygon', 'aria-pressed': 'false',
                    text: V.t('ws-draw-polygon')}),
    V.el('button', {type: 'button', 'data-tool': 'view', 'aria-pressed': 'true',
                    text: V.t('ws-move')}),
    V.el('button', {type: 'button', 'data-tool': 'here', text: V.t('ws-here')}),
    V.el('button', {type: 'button', 'data-tool': 'keyboard', 'aria-pressed': 'false',
                    text: V.t('ws-keyboard')}),
    V.el('button', {type: 'button', 'data-keyboard': 'close', hidden: true, disabled: true,
                    text: V.t('ws-kb-close')}),
    V.el('button', {type: 'button', 'data-keyboard': 'cancel', hidden: true,
                    text: V.t('ws-kb-cancel')})
  ]);
  var hint = V.el('p', {className: 'workspace__hint', text: V.t('ws-hint')});

  var schemeSelect = V.el('select', {id: 'ws-scheme'}, [
    V.el('option', {value: 'type', text: V.t('ws-by-type')}),
    V.el('option', {value: 'damage', text: V.t('ws-by-damage')}),
    V.el('option', {value: 'treatment', text: V.t('ws-by-treatment')})
  ]);
  var legend = V.el('ul', {className: 'workspace__legend', 'aria-label': V.t('ws-legend')});
  var colours = V.el('div', {className: 'workspace__colours'}, [
    V.el('label', {'for': 'ws-scheme', text: V.t('ws-colours') + ' '}), schemeSelect, legend
  ]);

  var filterType = V.el('select', {id: 'ws-filter-type'}, [V.el('option', {value: '', text: V.t('ws-any-type')})]
    .concat(types.map(function (t) { return V.el('option', {value: t.name, text: t.label || t.name}); })));
  var filterCreator = V.el('select', {id: 'ws-filter-creator'},
                           [V.el('option', {value: '', text: V.t('ws-anyone')})]);
  var fieldNames = [];
  types.forEach(function (t) {
    t.fields.forEach(function (f) {
      if (fieldNames.indexOf(f.name) < 0 && f.kind !== 'language')
        fieldNames.push(f.name);
    });
  });
  var filterField = V.el('select', {id: 'ws-filter-field'}, [V.el('option', {value: '', text: V.t('ws-any-field')})]
    .concat(fieldNames.map(function (n) { return V.el('option', {value: n, text: fieldLabel(n)}); })));
  var filterText = V.el('input', {id: 'ws-filter-text', type: 'search', autocomplete: 'off'});
  var filters = V.el('fieldset', {className: 'workspace__filters'}, [
    V.el('legend', {text: V.t('ws-show-only')}),
    V.el('label', {'for': 'ws-filter-type', text: V.t('ws-type')}), filterType,
    V.el('label', {'for': 'ws-filter-creator', text: V.t('ws-creator')}), filterCreator,
    V.el('label', {'for': 'ws-filter-field', text: V.t('ws-field')}), filterField,
    V.el('label', {'for': 'ws-filter-text', text: V.t('ws-containing')}), filterText
  ]);

  var list = V.el('ol', {className: 'workspace__list', 'aria-label': V.t('ws-list')});
  var panel = V.el('form', {className: 'workspace__panel', 'aria-labelledby': 'ws-panel-title',
                            hidden: true, novalidate: true});
  var layout = V.el('div', {className: 'workspace__layout'}, [
    V.el('div', {className: 'workspace__side'}, [filters, list]), panel
  ]);
  root.appendChild(toolbar);
  root.appendChild(hint);
  root.appendChild(colours);
  root.appendChild(layout);

  /* ---- filters, list, legend ---------------------------------------------- */

  function valuesOf(rec, field) {
    var out = [];
    Object.keys(rec.fields).forEach(function (k) {
      if (field && k !== field)
        return;
      var v = rec.fields[k];
      (Array.isArray(v) ? v : [v]).forEach(function (x) { out.push(String(x)); });
    });
    return out;
  }

  function matches(rec) {
    if (!rec)
      return true;
    if (filterType.value && rec.type !== filterType.value)
      return false;
    if (filterCreator.value && rec.creator !== filterCreator.value)
      return false;
    var text = V.fold(filterText.value.trim());
    var values = valuesOf(rec, filterField.value);
    if (filterField.value && values.length === 0)
      return false;
    if (text && !values.some(function (v) { return V.fold(v).indexOf(text) >= 0; }))
      return false;
    return true;
  }

  function labelOf(rec) {
    var t = typeByName[rec.type];
    return t ? (t.label || t.name) : rec.type;
  }

  function summaryOf(rec) {
    var parts = [];
    var t = typeByName[rec.type];
    (t ? t.fields : []).forEach(function (f) {
      var v = rec.fields[f.name];
      if (v === undefined || f.kind === 'language')
        return;
      v = Array.isArray(v) ? v.join(', ') : String(v);
      parts.push(f.name === 'text' || f.name === 'terms' ? v
                 : V.t('ws-field-value', {field: fieldLabel(f.name), value: v}));
    });
    return parts.join(' · ') || V.t('ws-no-values');
  }

  function renderLegend() {
    legend.textContent = '';
    var values = cache ? cache.values : schemeValues();
    values.forEach(function (v) {
      var rec = scheme === 'type' ? {type: v, fields: {}} : null;
      var colour = rec ? colourOf(rec) : cssColour('--ws-scheme-' + ((values.indexOf(v) % 8) + 1),
                                                   '#8c8c8c');
      var swatch = V.el('span', {className: 'workspace__swatch', 'aria-hidden': 'true'});
      swatch.style.backgroundColor = colour;
      legend.appendChild(V.el('li', {'data-value': v, 'data-colour': colour}, [
        swatch, scheme === 'type' && typeByName[v] ? (typeByName[v].label || v) : v]));
    });
    if (scheme !== 'type') {
      var swatch = V.el('span', {className: 'workspace__swatch', 'aria-hidden': 'true'});
      var none = cssColour('--ws-scheme-none', '#8c8c8c');
      swatch.style.backgroundColor = none;
      legend.appendChild(V.el('li', {'data-value': '', 'data-colour': none},
                              [swatch, V.t('ws-no-restoration')]));
    }
  }

  /* The list: the first LIST_AT_ONCE entries at once, the rest in chunks
   * in the next tasks, so that a workspace of thousands is usable (image,
   * shapes, the first entries) before its whole list is built;
   * data-listed says when it is. A newer rendering stops an older one's
   * rest. One click handler for the whole list. */
  var LIST_AT_ONCE = 200;
  var LIST_CHUNK = 500;
  var listing = 0;

  function listEntry(id) {
    var rec = records[id];
    var swatch = V.el('span', {className: 'workspace__swatch', 'aria-hidden': 'true'});
    swatch.style.backgroundColor = colourOf(rec);
    return V.el('li', null, [V.el('button', {type: 'button', className: 'workspace__item',
                                            'data-annotation': id,
                                            'aria-pressed': id === selected ? 'true' : 'false'}, [
      swatch,
      V.el('span', {className: 'workspace__type', text: labelOf(rec)}),
      V.el('span', {className: 'workspace__text', text: summaryOf(rec)}),
      V.el('span', {className: 'workspace__meta', text:
        (rec.saved ? V.t('ws-item-meta', {creator: rec.creator || '?', visibility:
          rec.visibility === 'public' ? V.t('ws-public') : V.t('ws-internal')})
                   : V.t('ws-not-saved-yet'))})
    ])]);
  }

  function renderList() {
    var generation = ++listing;
    var creators = {};
    var shown = order.filter(function (id) {
      var rec = records[id];
      if (rec.creator)
        creators[rec.creator] = true;
      return matches(rec);
    });
    list.textContent = '';
    root.removeAttribute('data-listed');
    (function more(from) {
      if (generation !== listing)
        return;
      var fragment = document.createDocumentFragment();
      var to = Math.min(shown.length, from + (from === 0 ? LIST_AT_ONCE : LIST_CHUNK));
      for (var i = from; i < to; i++)
        fragment.appendChild(listEntry(shown[i]));
      list.appendChild(fragment);
      if (to < shown.length)
        setTimeout(function () { more(to); }, 0);
      else
        root.setAttribute('data-listed', String(shown.length));
    })(0);
    var current = filterCreator.value;
    while (filterCreator.options.length > 1)
      filterCreator.remove(1);
    Object.keys(creators).sort().forEach(function (c) {
      filterCreator.appendChild(V.el('option', {value: c, text: c}));
    });
    filterCreator.value = creators[current] ? current : '';
    root.setAttribute('data-count', String(order.length));
    root.setAttribute('data-shown', String(shown.length));
  }

  /* The selected entry marked, without building the list again. */
  function markSelected() {
    Array.prototype.forEach.call(list.querySelectorAll('button[aria-pressed="true"]'), function (b) {
      b.setAttribute('aria-pressed', 'false');
    });
    var b = selected && list.querySelector('button[data-annotation="' + selected + '"]');
    if (b)
      b.setAttribute('aria-pressed', 'true');
  }

  list.addEventListener('click', function (event) {
    var b = event.target.closest('button[data-annotation]');
    if (b)
      open(b.getAttribute('data-annotation'), true);
  });

  /* Annotorious draws every shape again for each setStyle (twice) and
   * setFilter (which also looks each shape up among the layer's children:
   * quadratic), seconds with thousands of shapes in software WebGL. So the
   * style is given again only when the colours may have changed (another
   * scheme or legend), the filter only while one is set or when it is
   * lifted. A shape added or saved is styled by styleFor as it is added. */
  var styled = null;     /* the scheme and legend the shapes were styled with */
  var filtered = false;  /* a filter is set in Annotorious */

  function styleKey() {
    return scheme + '\n' + cache.values.join('\n');
  }

  function refresh() {
    recolour();
    renderLegend();
    renderList();
    if (!anno)
      return;
    if (styleKey() !== styled) {
      styled = styleKey();
      anno.setStyle(styleFor);
    }
    var filtering = !!(filterType.value || filterCreator.value || filterField.value ||
                       filterText.value.trim());
    if (filtering || filtered)
      anno.setFilter(filtering ? function (a) { return matches(records[a.id]); } : undefined);
    filtered = filtering;
  }

  [filterType, filterCreator, filterField].forEach(function (s) {
    s.addEventListener('change', refresh);
  });
  filterText.addEventListener('input', refresh);
  schemeSelect.addEventListener('change', function () {
    scheme = schemeSelect.value;
    root.setAttribute('data-scheme', scheme);
    refresh();
    say(V.t('ws-colours-now', {scheme: schemeSelect.options[schemeSelect.selectedIndex].textContent}));
  });

  /* ---- the form ------------------------------------------------------------ */

  /* A term or terms field suggests the terms in use (terms.json, most used
   * first): its own field's, then the other fields', by prefix of what is
   * typed (for a terms field, of the term after the last comma, which a
   * choice replaces), accents and case ignored. The ARIA 1.2 combobox
   * pattern: the input keeps the focus; Down and Up move, Enter or a click
   * takes the highlighted term, Escape closes the list. */
  var SUGGESTED = 8;

  function suggestionsFor(field, typed) {
    var want = V.fold(typed.trim());
    var found = [];
    var seen = {};
    if (want === '')
      return found;
    [true, false].forEach(function (own) {
      for (var i = 0; i < terms.length && found.length < SUGGESTED; i++) {
        var t = terms[i];
        var folded = V.fold(t.term);
        if ((t.field === field) !== own || seen[folded] || folded.indexOf(want) !== 0 ||
            t.term === typed.trim())
          continue;
        seen[folded] = true;
        found.push(t);
      }
    });
    return found;
  }

  function suggesting(input, field, many) {
    var listId = input.id + '-terms';
    var box = V.el('ul', {id: listId, className: 'combobox__list', role: 'listbox',
                          'aria-label': V.t('ws-terms-in-use'), hidden: true});
    var shown = [];
    var active = -1;
    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-expanded', 'false');
    input.setAttribute('aria-controls', listId);
    input.setAttribute('autocomplete', 'off');
    function typed() {
      return many ? input.value.slice(input.value.lastIndexOf(',') + 1) : input.value;
    }
    function close() {
      shown = [];
      active = -1;
      box.textContent = '';
      box.hidden = true;
      input.setAttribute('aria-expanded', 'false');
      input.removeAttribute('aria-activedescendant');
    }
    function highlight(i) {
      Array.prototype.forEach.call(box.children, function (li, k) {
        li.setAttribute('aria-selected', k === i ? 'true' : 'false');
      });
      active = i;
      input.setAttribute('aria-activedescendant', listId + '-' + i);
    }
    function take(i) {
      var head = many ? input.value.slice(0, input.value.lastIndexOf(',') + 1) : '';
      input.value = (head ? head + ' ' : '') + shown[i].term;
      close();
    }
    function update() {
      close();
      shown = suggestionsFor(field, typed());
      shown.forEach(function (t, i) {
        var li = V.el('li', {id: listId + '-' + i, role: 'option', 'aria-selected': 'false',
                             className: 'combobox__option'}, [
          t.term, V.el('span', {className: 'combobox__field', text: ' ' + String(t.field || '').replace(/_/g, ' ') +
                                (typeof t.count === 'number' ? ' (' + t.count + ')' : '')})]);
        /* mousedown, not click: the input keeps the focus. */
        li.addEventListener('mousedown', function (event) {
          event.preventDefault();
          take(i);
        });
        box.appendChild(li);
      });
      box.hidden = shown.length === 0;
      input.setAttribute('aria-expanded', String(shown.length > 0));
    }
    input.addEventListener('input', update);
    input.addEventListener('blur', close);
    input.addEventListener('keydown', function (event) {
      if (box.hidden)
        return;
      var n = shown.length;
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        highlight(event.key === 'ArrowDown' ? (active + 1) % n : (active <= 0 ? n - 1 : active - 1));
      } else if (event.key === 'Enter' && active >= 0) {
        take(active);
      } else if (event.key === 'Escape') {
        close();   /* and not the panel */
        event.stopPropagation();
      } else {
        return;
      }
      event.preventDefault();
    });
    return V.el('div', {className: 'combobox'}, [input, box]);
  }

  function inputFor(f, value, n) {
    var id = 'ws-field-' + f.name;
    var attrs = {id: id, name: f.name, 'data-kind': f.kind};
    var input;
    if (f.kind === 'choice') {
      input = V.el('select', attrs, [V.el('option', {value: '', text: V.t('ws-none')})].concat(
        (f.choices || []).map(function (c) { return V.el('option', {value: c, text: c}); })));
      input.value = value === undefined ? '' : String(value);
    } else if (f.kind === 'language') {
      input = V.el('select', attrs, [V.el('option', {value: '', text: V.t('ws-none')})].concat(
        ['nl', 'fr', 'en', 'de'].map(function (c) { return V.el('option', {value: c, text: c}); })));
      input.value = value === undefined ? '' : String(value);
    } else if (f.kind === 'text' && (f.name === 'text' || f.name === 'treatment')) {
      input = V.el('textarea', attrs);
      input.rows = 3;
      input.value = value === undefined ? '' : String(value);
    } else {
      if (f.kind === 'number')
        attrs.type = 'number';
      else if (f.kind === 'url')
        attrs.type = 'url';
      else
        attrs.type = 'text';
      if (f.kind === 'date') {
        attrs.placeholder = V.t('ws-date-format');
        attrs.pattern = '\\d{4}(-\\d{2}(-\\d{2})?)?';
      }
      if (f.kind === 'terms')
        attrs['aria-describedby'] = 'ws-hint-' + n;
      input = V.el('input', attrs);
      input.value = value === undefined ? '' : (Array.isArray(value) ? value.join(', ') : String(value));
    }
    var row = V.el('div', {className: 'workspace__row'}, [V.el('label', {'for': id, text: fieldLabel(f.name)}),
      f.kind === 'term' || f.kind === 'terms' ? suggesting(input, f.name, f.kind === 'terms') : input]);
    if (f.kind === 'terms')
      row.appendChild(V.el('span', {id: 'ws-hint-' + n, className: 'workspace__help',
                                    text: V.t('ws-terms-help')}));
    return row;
  }

  function regionInputs(rec) {
    var row = V.el('fieldset', {className: 'workspace__region'}, [V.el('legend', {text: V.t('ws-region')})]);
    if (rec.shape.points) {
      row.appendChild(V.el('p', {text: V.t('ws-polygon-reshape', {n: rec.shape.points.length})}));
      return row;
    }
    ['x', 'y', 'w', 'h'].forEach(function (k) {
      var id = 'ws-region-' + k;
      var input = V.el('input', {id: id, name: 'region-' + k, type: 'number', min: '0',
                                 step: '1', value: String(rec.shape[k])});
      row.appendChild(V.el('label', {'for': id, text: {x: V.t('ws-left'), y: V.t('ws-top'), w: V.t('ws-width'),
                                                       h: V.t('ws-height')}[k]}));
      row.appendChild(input);
    });
    return row;
  }

  function showPanel(rec) {
    panel.textContent = '';
    if (!rec) {
      panel.hidden = true;
      return;
    }
    var t = typeByName[rec.type];
    var typeSel = V.el('select', {id: 'ws-type', name: 'type', disabled: rec.saved ? true : null},
      types.map(function (x) { return V.el('option', {value: x.name, text: x.label || x.name}); }));
    typeSel.value = rec.type;
    typeSel.addEventListener('change', function () {
      rec.type = typeSel.value;
      showPanel(rec);
      refresh();
    });
    panel.appendChild(V.el('h3', {id: 'ws-panel-title', text: rec.saved ? V.t('ws-annotation', {id: rec.id})
                                                                   : V.t('ws-new-annotation')}));
    if (rec.saved)
      panel.appendChild(V.el('p', {className: 'workspace__meta', text:
        V.t('ws-by-version', {creator: rec.creator || '?', version: rec.version})}));
    panel.appendChild(V.el('div', {className: 'workspace__row'}, [V.el('label', {'for': 'ws-type', text: V.t('ws-type')}), typeSel]));
    (t ? t.fields : []).forEach(function (f, n) {
      panel.appendChild(inputFor(f, rec.fields[f.name], n));
    });
    var vis = V.el('select', {id: 'ws-visibility', name: 'visibility'}, [
      V.el('option', {value: 'internal', text: V.t('ws-vis-internal')}),
      V.el('option', {value: 'public', text: V.t('ws-vis-public')})]);
    vis.value = rec.visibility;
    panel.appendChild(V.el('div', {className: 'workspace__row'}, [V.el('label', {'for': 'ws-visibility', text: V.t('ws-visibility')}), vis]));
    panel.appendChild(regionInputs(rec));
    panel.appendChild(V.el('p', {className: 'workspace__error', role: 'alert'}));
    var actions = V.el('div', {className: 'workspace__actions'}, [
      V.el('button', {type: 'submit', text: V.t('ws-save')}),
      V.el('button', {type: 'button', 'data-action': 'delete', text: rec.saved ? V.t('ws-delete') : V.t('ws-discard')}),
      V.el('button', {type: 'button', 'data-action': 'close', text: V.t('ws-close')})
    ]);
    panel.appendChild(actions);
    actions.querySelector('[data-action="delete"]').addEventListener('click', function () { remove(rec.id); });
    actions.querySelector('[data-action="close"]').addEventListener('click', function () { deselect(true); });
    panel.hidden = false;
  }

  /* The form's values, checked as vitrined will; {error} or {fields, visibility, shape}. */
  function readPanel(rec) {
    var t = typeByName[rec.type];
    var fields = {};
    var error = null;
    (t ? t.fields : []).forEach(function (f) {
      var input = panel.querySelector('[name="' + f.name + '"]');
      if (!input || error)
        return;
      var raw = input.value.trim();
      if (raw === '')
        return;
      var label = fieldLabel(f.name);
      if (raw.length > 8192) {
        error = V.t('ws-too-long', {field: label, max: 8192});
      } else if (f.kind === 'url' && !/^https?:\/\/[^\s"<>\\]+$/i.test(raw)) {
        error = V.t('ws-field-error', {field: label, error: V.t('ed-bad-url')});
      } else if (f.kind === 'date' && !/^\d{4}(-\d{2}(-\d{2})?)?$/.test(raw)) {
        error = V.t('ws-field-error', {field: label, error: V.t('ed-bad-date')});
      } else if (f.kind === 'number') {
        if (!isFinite(Number(raw)))
          error = V.t('ws-field-error', {field: label, error: V.t('ws-not-number')});
        else
          fields[f.name] = Number(raw);
        return;
      }
      if (f.kind === 'terms')
        fields[f.name] = raw.split(',').map(function (s) { return s.trim(); }).filter(Boolean);
      else
        fields[f.name] = raw;
    });
    if (!error && !Object.keys(fields).some(function (k) {
      return !t || t.fields.some(function (f) { return f.name === k && f.kind !== 'language'; });
    }))
      error = V.t('ws-fill-one');
    var shape = rec.shape;
    if (!shape.points && panel.querySelector('[name="region-x"]')) {
      var r = {};
      ['x', 'y', 'w', 'h'].forEach(function (k) {
        r[k] = Math.round(Number(panel.querySelector('[name="region-' + k + '"]').value));
      });
      if (!(r.w > 0 && r.h > 0 && r.x >= 0 && r.y >= 0 && r.x + r.w <= width && r.y + r.h <= height))
        error = error || V.t('ws-region-outside', {w: width, h: height});
      shape = r;
    }
    return error ? {error: error} : {fields: fields, shape: shape,
                                      visibility: panel.querySelector('[name="visibility"]').value};
  }

  panel.addEventListener('submit', function (event) {
    event.preventDefault();
    var rec = selected && records[selected];
    if (!rec)
      return;
    var values = readPanel(rec);
    var err = panel.querySelector('.workspace__error');
    if (values.error) {
      err.textContent = values.error;
      return;
    }
    err.textContent = '';
    save(rec, values);
  });

  /* ---- talking to vitrined ---------------------------------------------- */

  function post(action, body, version) {
    var headers = {'Content-Type': 'application/json'};
    if (version)
      headers['If-Match'] = '"' + version + '"';
    body.action = action;
    body.id = assetId;
    return fetch(editUrl, {method: 'POST', credentials: 'same-origin', headers: headers,
                           body: JSON.stringify(body)})
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (b) {
          return {status: r.status, body: b || {}};
        });
      });
  }

  function failure(a) {
    if (a.status === 409)
      return V.t('ws-conflict', {version: a.body.version || '?'});
    if (a.status === 202)
      return V.t('ed-queued');
    return (a.body && a.body.message) || V.t('ed-not-saved', {status: a.status});
  }

  /* Changes made here, not by the person: Annotorious reports them as
   * lifecycle events too (a removal as a deletion), which must not be
   * sent to vitrined. */
  var quiet = 0;
  function quietly(fn) {
    quiet++;
    try {
      fn();
    } finally {
      quiet--;
    }
  }

  function replaceShape(oldId, rec) {
    if (!anno)
      return;
    quietly(function () {
      if (anno.getAnnotationById(oldId))
        anno.removeAnnotation(oldId);
      anno.addAnnotation(toAnnotorious(rec));
    });
  }

  /* One save of an annotation at a time: a change made while one is on
   * its way (a shape dragged on after the pointer rested, autoSave) waits
   * for its answer and goes with the version it gives, the latest change
   * only; else the second would carry the old version and be refused as a
   * conflict with the first. id -> true, or {values} waiting (the
   * section's data-save-queued names it meanwhile). */
  var saving = {};

  function save(rec, values) {
    var wasNew = !rec.saved;
    if (saving[rec.id]) {
      saving[rec.id] = {values: values};
      root.setAttribute('data-save-queued', rec.id);
      return;
    }
    saving[rec.id] = true;
    if (root.getAttribute('data-save-queued') === rec.id)
      root.removeAttribute('data-save-queued');
    var annotation = {type: rec.type, shape: values.shape, fields: values.fields,
                      visibility: values.visibility};
    if (!wasNew)
      annotation.id = rec.id;
    say(V.t('ed-saving'));
    post(wasNew ? 'annotation-create' : 'annotation-update', {annotation: annotation},
         wasNew ? null : rec.version)
      .then(function (a) {
        var waiting = saving[rec.id];
        delete saving[rec.id];
        if (a.status === 200 && a.body.annotation) {
          var saved = fromStored(a.body.annotation, a.body.version);
          if (waiting && waiting.values)
            saved.shape = waiting.values.shape;   /* where it is now, saved next */
          var oldId = rec.id;
          /* A shape moved or reshaped and saved as it is: Annotorious
           * already draws it (or a newer one the person is still dragging:
           * putting the shape back in would end that drag). */
          var drawn = oldId === saved.id && rec.type === saved.type &&
            JSON.stringify(rec.fields) === JSON.stringify(saved.fields) &&
            JSON.stringify(values.shape) === JSON.stringify(a.body.annotation.shape);
          delete records[oldId];
          records[saved.id] = saved;
          order[order.indexOf(oldId)] = saved.id;
          if (!drawn) {
            replaceShape(oldId, saved);
            if (anno)
              anno.setSelected(saved.id);
          }
          if (!drawn || selected === oldId) {
            selected = saved.id;
            showPanel(saved);
          }
          refresh();
          say(V.t('ws-saved', {id: saved.id}));
          if (waiting && waiting.values)
            save(saved, waiting.values);
          return;
        }
        if (a.status === 409 && a.body.annotation) {
          var current = fromStored(a.body.annotation, a.body.version);
          records[current.id] = current;
          replaceShape(current.id, current);
          showPanel(current);
          refresh();
        }
        say(failure(a));
        var err = panel.querySelector('.workspace__error');
        if (err)
          err.textContent = failure(a);
      })
      .catch(function () {
        delete saving[rec.id];
        say(V.t('ed-no-answer'));
      });
  }

  function forget(id) {
    delete records[id];
    order = order.filter(function (x) { return x !== id; });
    if (anno && anno.getAnnotationById(id))
      quietly(function () { anno.removeAnnotation(id); });
    if (selected === id) {
      selected = null;
      showPanel(null);
    }
    refresh();
  }

  function remove(id) {
    var rec = records[id];
    if (!rec)
      return;
    if (!rec.saved) {
      forget(id);
      say(V.t('ws-discarded'));
      return;
    }
    say(V.t('ws-deleting'));
    post('annotation-delete', {annotation: {id: id}}, rec.version).then(function (a) {
      if (a.status === 200) {
        forget(id);
        say(V.t('ws-deleted', {id: id}));
      } else {
        if (anno && !anno.getAnnotationById(id))
          quietly(function () { anno.addAnnotation(toAnnotorious(rec)); });
        say(failure(a));
      }
    }).catch(function () { say(V.t('ws-not-deleted')); });
  }

  /* A shape moved or reshaped in the image: saved at once for a saved one. */
  function reshaped(annotation) {
    var rec = records[annotation.id];
    var shape = shapeOf(annotation);
    if (!rec || !shape)
      return;
    if (JSON.stringify(shape) === JSON.stringify(rec.shape))
      return;
    rec.shape = shape;
    if (rec.saved) {
      save(rec, {fields: rec.fields, shape: shape, visibility: rec.visibility});
      return;
    }
    /* A new one: the form keeps what was typed; its region follows. */
    ['x', 'y', 'w', 'h'].forEach(function (k) {
      var input = panel.querySelector('[name="region-' + k + '"]');
      if (input && shape[k] !== undefined)
        input.value = String(shape[k]);
    });
  }

  /* ---- selection --------------------------------------------------------- */

  function zoomTo(rec) {
    if (!viewer || !rec)
      return;
    var s = rec.shape;
    var b = s.points ? bounds(s.points) : {minX: s.x, minY: s.y, maxX: s.x + s.w, maxY: s.y + s.h};
    var w = b.maxX - b.minX, h = b.maxY - b.minY, pad = Math.max(w, h) * 0.25;
    viewer.viewport.fitBounds(viewer.viewport.imageToViewportRectangle(
      b.minX - pad, b.minY - pad, w + 2 * pad, h + 2 * pad));
  }

  function open(id, zoom) {
    var rec = records[id];
    if (!rec)
      return;
    selected = id;
    if (anno)
      anno.setSelected(id);
    if (zoom)
      zoomTo(rec);
    if (rec.saved && history.replaceState)
      history.replaceState(null, '', '#annotation=' + id);
    showPanel(rec);
    markSelected();
    root.setAttribute('data-selected', id);
  }

  function deselect(focusList) {
    selected = null;
    if (anno)
      anno.cancelSelected();
    showPanel(null);
    markSelected();
    root.removeAttribute('data-selected');
    if (focusList && list.querySelector('button'))
      list.querySelector('button').focus();
  }

  /* ---- drawing tools ------------------------------------------------------- */

  function setTool(tool) {
    Array.prototype.forEach.call(toolbar.querySelectorAll('[data-tool]'), function (b) {
      if (b.getAttribute('data-tool') !== 'here')
        b.setAttribute('aria-pressed', String(b.getAttribute('data-tool') === tool));
    });
    if (!anno)
      return;
    if (tool !== 'keyboard')
      stopKeyboard();
    if (tool === 'view' || tool === 'keyboard') {
      anno.setDrawingEnabled(false);
    } else {
      anno.setDrawingTool(tool);
      anno.setDrawingEnabled(true);
    }
    root.setAttribute('data-tool', tool);
  }

  function addNew(shape) {
    newCount++;
    var rec = {id: NEW_PREFIX + newCount, type: typeSelect.value || (types[0] && types[0].name),
               shape: shape, fields: {}, visibility: 'internal', creator: '', version: '',
               saved: false};
    records[rec.id] = rec;
    order.push(rec.id);
    return rec;
  }

  /* A new shape, made here: drawn, selected, its form open and focused. */
  function begin(rec) {
    quietly(function () { anno.addAnnotation(toAnnotorious(rec)); });
    open(rec.id, false);
    refresh();
    var first = panel.querySelector('[id^="ws-field-"]');
    if (first)
      first.focus();
  }

  toolbar.addEventListener('click', function (event) {
    var k = event.target.closest('[data-keyboard]');
    if (k && kb) {
      if (k.getAttribute('data-keyboard') === 'close')
        closeKeyboard();
      else
        setTool('view');
      return;
    }
    var b = event.target.closest('[data-tool]');
    if (!b || !viewer)
      return;
    var tool = b.getAttribute('data-tool');
    if (tool === 'keyboard') {
      setTool(tool);
      startKeyboard();
      return;
    }
    if (tool !== 'here') {
      setTool(tool);
      return;
    }
    /* The middle half of what is shown, for keyboard users. */
    var r = viewer.viewport.viewportToImageRectangle(viewer.viewport.getBounds(true));
    var x = clampX(r.x + r.width / 4), y = clampY(r.y + r.height / 4);
    var shape = {x: x, y: y, w: Math.max(1, clampX(r.x + r.width * 3 / 4) - x),
                 h: Math.max(1, clampY(r.y + r.height * 3 / 4) - y)};
    begin(addNew(shape));
  });

  /* ---- a polygon by keyboard ---------------------------------------------- */

  /* Annotorious draws with a pointer only. "Polygon by keyboard" puts a
   * crosshair at the view's centre, in a focusable region over the image:
   * arrow keys move it (10 screen pixels, 50 with Shift; the view follows
   * at its edges), + and - zoom around it, Enter adds a point there,
   * Backspace takes the last one back, Escape cancels, and "Close the
   * polygon" (3 points or more) makes it a new annotation, as one drawn
   * with the mouse. Points are whole image pixels; the region's
   * data-crosshair and data-points say where they are. */
  var POINTS_MAX = 2000;
  var SVG_NS = 'http://www.w3.org/2000/svg';
  var kb = null;   /* {x, y, points, pad, svg} while drawing */
  var kbClose = toolbar.querySelector('[data-keyboard="close"]');
  var kbCancel = toolbar.querySelector('[data-keyboard="cancel"]');

  function svgEl(tag, attrs) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
    return node;
  }

  function screenOf(x, y) {
    return viewer.viewport.imageToViewerElementCoordinates(new window.OpenSeadragon.Point(x, y));
  }

  function drawKeyboard() {
    if (!kb)
      return;
    var c = screenOf(kb.x, kb.y);
    var pts = kb.points.map(function (p) { var q = screenOf(p[0], p[1]); return q.x + ',' + q.y; });
    var colour = cssColour('--ws-type-' + (typeSelect.value || ''), '#000000');
    kb.svg.textContent = '';
    if (pts.length)
      kb.svg.appendChild(svgEl('polyline', {points: pts.concat([c.x + ',' + c.y]).join(' '), fill: 'none',
                                            stroke: colour, 'stroke-width': 2, 'stroke-dasharray': '6 3'}));
    kb.points.forEach(function (p) {
      var q = screenOf(p[0], p[1]);
      kb.svg.appendChild(svgEl('circle', {cx: q.x, cy: q.y, r: 4, fill: colour}));
    });
    [[-12, 0, 12, 0], [0, -12, 0, 12]].forEach(function (l) {
      kb.svg.appendChild(svgEl('line', {x1: c.x + l[0], y1: c.y + l[1], x2: c.x + l[2], y2: c.y + l[3],
                                        stroke: '#000000', 'stroke-width': 3}));
      kb.svg.appendChild(svgEl('line', {x1: c.x + l[0], y1: c.y + l[1], x2: c.x + l[2], y2: c.y + l[3],
                                        stroke: '#ffffff', 'stroke-width': 1}));
    });
    kb.pad.setAttribute('data-crosshair', kb.x + ',' + kb.y);
    kb.pad.setAttribute('data-points', JSON.stringify(kb.points));
  }

  function startKeyboard() {
    stopKeyboard();
    var r = viewer.viewport.viewportToImageRectangle(viewer.viewport.getBounds(true));
    var pad = V.el('div', {className: 'workspace__crosshair', tabindex: '0', role: 'application',
                           'aria-roledescription': V.t('ws-kb-role'),
                           'aria-label': V.t('ws-kb-label')});
    pad.style.cssText = 'position:absolute;inset:0;z-index:5;pointer-events:none;outline-offset:-3px';
    var svg = svgEl('svg', {width: '100%', height: '100%', 'aria-hidden': 'true'});
    svg.style.cssText = 'position:absolute;inset:0';
    pad.appendChild(svg);
    viewer.container.appendChild(pad);
    kb = {x: clampX(r.x + r.width / 2), y: clampY(r.y + r.height / 2), points: [], pad: pad, svg: svg};
    pad.addEventListener('keydown', keyboardKey);
    kbClose.hidden = kbCancel.hidden = false;
    kbClose.disabled = true;
    drawKeyboard();
    pad.focus();
    say(V.t('ws-kb-start'));
  }

  function stopKeyboard() {
    if (!kb)
      return;
    kb.pad.remove();
    kb = null;
    kbClose.hidden = kbCancel.hidden = true;
  }

  function closeKeyboard() {
    if (kb.points.length < 3) {
      say(V.t('ws-kb-few'));
      return;
    }
    var points = kb.points;
    setTool('view');
    begin(addNew({points: points}));
    say(V.t('ws-kb-done', {n: points.length}));
  }

  function keyboardKey(event) {
    var steps = {ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1]};
    var vp = viewer.viewport;
    if (steps[event.key]) {
      /* Screen pixels to image pixels at the current zoom. */
      var px = event.shiftKey ? 50 : 10;
      var o = vp.viewerElementToImageCoordinates(new window.OpenSeadragon.Point(0, 0));
      var one = vp.viewerElementToImageCoordinates(new window.OpenSeadragon.Point(1, 1));
      kb.x = clampX(kb.x + steps[event.key][0] * px * (one.x - o.x));
      kb.y = clampY(kb.y + steps[event.key][1] * px * (one.y - o.y));
      var c = screenOf(kb.x, kb.y);
      var size = vp.getContainerSize(), margin = 30;
      var dx = c.x < margin ? c.x - margin : (c.x > size.x - margin ? c.x - size.x + margin : 0);
      var dy = c.y < margin ? c.y - margin : (c.y > size.y - margin ? c.y - size.y + margin : 0);
      if (dx || dy)
        vp.panBy(vp.deltaPointsFromPixels(new window.OpenSeadragon.Point(dx, dy)));
    } else if (event.key === '+' || event.key === '=' || event.key === '-') {
      vp.zoomBy(event.key === '-' ? 1 / 1.5 : 1.5, vp.imageToViewportCoordinates(kb.x, kb.y));
    } else if (event.key === 'Enter') {
      var last = kb.points[kb.points.length - 1];
      if (kb.points.length >= POINTS_MAX)
        say(V.t('ws-kb-max', {max: POINTS_MAX}));
      else if (!last || last[0] !== kb.x || last[1] !== kb.y)
        kb.points.push([kb.x, kb.y]);
      say(V.t('ws-kb-point', {n: kb.points.length, x: kb.x, y: kb.y}));
    } else if (event.key === 'Backspace') {
      kb.points.pop();
      say(kb.points.length === 1 ? V.t('ws-kb-one') : V.t('ws-kb-many', {n: kb.points.length}));
    } else if (event.key === 'Escape') {
      event.stopPropagation();
      setTool('view');
      say(V.t('ws-kb-cancelled'));
      toolbar.querySelector('[data-tool="keyboard"]').focus();
    } else {
      return;
    }
    event.preventDefault();
    if (kb) {
      kbClose.disabled = kb.points.length < 3;
      drawKeyboard();
    }
  }

  root.addEventListener('keydown', function (event) {
    if (event.key === 'Escape') {
      if (anno && anno.isDrawingEnabled && anno.isDrawingEnabled()) {
        anno.cancelDrawing();
        setTool('view');
      } else if (selected) {
        deselect(true);
      }
    }
  });

  /* ---- start ----------------------------------------------------------------- */

  function start(items) {
    viewer = box.vitrineViewer;
    try {
      anno = window.AnnotoriousOSD.createOSDAnnotator(viewer, {
        drawingEnabled: false,   /* drawing mode: Annotorious's default, click on a desktop, drag on touch */
        autoSave: true,          /* a move or reshape is reported once the pointer rests */
        userSelectAction: 'EDIT',
        style: styleFor
      });
    } catch (e) {
      /* PixiJS 7, inside Annotorious's build, refuses to start where
       * new Function is refused (docs/web: the staff pages' policy). */
      anno = null;
      root.setAttribute('data-ready', 'failed');
      say(/unsafe-eval/.test(String(e && e.message)) ? V.t('ws-csp') : V.t('ws-no-layer'));
      return;
    }
    viewer.addHandler('update-viewport', drawKeyboard);
    items.forEach(function (ann) {
      var rec = fromW3C(ann);
      if (!rec || records[rec.id])
        return;
      records[rec.id] = rec;
      order.push(rec.id);
    });
    /* Styled as they are added, with the colours read once. */
    recolour();
    styled = styleKey();
    anno.setAnnotations(order.map(function (id) { return toAnnotorious(records[id]); }), true);
    anno.on('createAnnotation', function (a) {
      if (quiet)
        return;
      var shape = shapeOf(a);
      /* Annotorious's id stays its own until vitrined gives one. */
      quietly(function () { anno.removeAnnotation(a.id); });
      setTool('view');
      begin(addNew(shape));
      say(V.t('ws-drawn'));
    });
    anno.on('updateAnnotation', function (a) {
      if (!quiet)
        reshaped(a);
    });
    /* Annotorious removes shapes on its own too (and reports programmatic
     * removals the same way), so a deletion is only ever sent from the
     * panel's Delete button: a saved shape it removed is put back. */
    anno.on('deleteAnnotation', function (a) {
      if (quiet || !records[a.id])
        return;
      if (records[a.id].saved) {
        var rec = records[a.id];
        setTimeout(function () {
          if (records[rec.id] && !anno.getAnnotationById(rec.id))
            quietly(function () { anno.addAnnotation(toAnnotorious(rec)); });
        }, 0);
      } else {
        forget(a.id);
      }
    });
    anno.on('selectionChanged', function (sel) {
      if (sel && sel.length && sel[0].id !== selected && records[sel[0].id])
        open(sel[0].id, false);
    });
    refresh();
    root.setAttribute('data-ready', 'true');
    say(order.length === 1 ? V.t('annotations-one') : V.t('annotations-many', {n: order.length}));
    var wanted = /(?:^#|&)annotation=([A-Za-z0-9_-]{1,64})/.exec(location.hash);
    if (wanted && records[wanted[1]])
      open(wanted[1], true);
  }

  /* Once the image is open, its opening animation over and its first tiles
   * drawn (or after a few seconds): Annotorious renders every shape again
   * in each frame the viewer redraws, so thousands of them added while
   * tiles still arrive would be rendered again for each tile. */
  function whenViewerOpen(fn) {
    var v = box.vitrineViewer;
    if (!v) {
      say(V.t('ws-no-viewer'));
      return;
    }
    var started = false;
    function go() {
      if (!started) {
        started = true;
        fn();
      }
    }
    function loaded() {
      var item = v.world.getItemAt(0);
      if (!item || item.getFullyLoaded())
        return go();
      item.addOnceHandler('fully-loaded-change', go);
      setTimeout(go, 3000);
    }
    function settled() {
      if (!v.isAnimating())
        return loaded();
      v.addOnceHandler('animation-finish', loaded);
      setTimeout(loaded, 1500);
    }
    if (v.world && v.world.getItemCount() > 0)
      return settled();
    v.addOnceHandler('open', settled);
  }

  /* The tree has no AnnotationPage while the asset has no annotation. */
  var page = pageUrl && parseInt(root.getAttribute('data-published'), 10) > 0
    ? fetch(pageUrl, {credentials: 'same-origin', cache: 'no-store'}).then(function (r) {
      if (r.status === 404)
        return {items: []};   /* no annotation yet */
      if (!r.ok)
        throw new Error('HTTP ' + r.status);
      return r.json();
    })
    : Promise.resolve({items: []});
  var termList = termsUrl
    ? fetch(termsUrl, {credentials: 'same-origin'}).then(function (r) { return r.ok ? r.json() : []; })
      .catch(function () { return []; })
    : Promise.resolve([]);
  say(V.t('annotations-loading'));
  Promise.all([page, termList]).then(function (got) {
    terms = (Array.isArray(got[1]) ? got[1] : []).filter(function (t) {
      return t && typeof t.term === 'string' && t.term.length <= 200;
    }).slice(0, 20000);
    var items = got[0] && Array.isArray(got[0].items) ? got[0].items : [];
    whenViewerOpen(function () { start(items); });
  }).catch(function () {
    say(V.t('annotations-failed'));
  });

  window.addEventListener('hashchange', function () {
    var wanted = /(?:^#|&)annotation=([A-Za-z0-9_-]{1,64})/.exec(location.hash);
    if (wanted && records[wanted[1]] && wanted[1] !== selected)
      open(wanted[1], true);
  });
})();
