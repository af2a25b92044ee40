/* viewer-common.js: what the compare and story pages share
 * (window.vitrineViewers): an asset's image and label read from its
 * published IIIF manifest (<root>iiif/<id>/manifest.json: the tree's own
 * audience, so an id this audience may not see is simply not there), and
 * OpenSeadragon's options as the asset page uses them (viewer.js). */
(function () {
  'use strict';

  var V = window.vitrine;
  var ID_RE = /^[a-z0-9]{1,64}$/;
  var cache = {};

  /* The first value of a IIIF language map, preferring English. */
  function text(map) {
    if (!map || typeof map !== 'object')
      return {value: '', lang: null};
    var langs = Object.keys(map);
    var lang = langs.indexOf('en') >= 0 ? 'en' : langs[0];
    var values = lang ? map[lang] : null;
    var value = Array.isArray(values) && typeof values[0] === 'string' ? values[0] : '';
    return {value: value.slice(0, 500), lang: lang && lang !== 'none' ? lang : null};
  }

  function first(list) {
    return Array.isArray(list) ? list[0] : list;
  }

  /* The image service's info.json of a canvas, or null. */
  function infoOf(canvas) {
    var page = first(canvas && canvas.items);
    var anno = first(page && page.items);
    var body = anno && anno.body;
    var service = first(body && body.service);
    var id = service && (service.id || service['@id']);
    return typeof id === 'string' ? V.safeUrl(id.replace(/\/+$/, '') + '/info.json') : null;
  }

  /* A promise of {id, ok, label, lang, width, height, info, manifest,
   * canvas, annotations (URL of its AnnotationPage, or null)}; ok false
   * (with reason) when there is no such image for this site. Never
   * rejects. */
  function loadAsset(id) {
    if (!ID_RE.test(id || ''))
      return Promise.resolve({id: String(id).slice(0, 64), ok: false, reason: V.t('reason-not-id')});
    if (cache[id])
      return cache[id];
    var url = V.safeUrl(V.root + 'iiif/' + id + '/manifest.json');
    cache[id] = fetch(url, {credentials: 'same-origin'}).then(function (response) {
      if (!response.ok)
        throw new Error(response.status === 404 ? V.t('reason-not-here') : 'HTTP ' + response.status);
      return response.json();
    }).then(function (m) {
      var canvas = first(m && m.items);
      var info = infoOf(canvas);
      if (!canvas || !info || !(canvas.width > 0) || !(canvas.height > 0))
        throw new Error(V.t('reason-no-image'));
      var label = text(canvas.label || m.label);
      var annotations = null;
      (Array.isArray(canvas.annotations) ? canvas.annotations : []).some(function (page) {
        var u = page && typeof page.id === 'string' ? V.safeUrl(page.id) : null;
        if (u)
          annotations = u;
        return !!u;
      });
      return {id: id, ok: true, label: label.value || id, lang: label.lang, width: canvas.width,
              height: canvas.height, info: info, manifest: url, canvas: canvas.id,
              page: V.pages + 'assets/' + id + '.html', annotations: annotations};
    }).catch(function (err) {
      return {id: id, ok: false, reason: String(err && err.message || err).slice(0, 200)};
    });
    return cache[id];
  }

  /* OpenSeadragon's options for @element (the asset page's, viewer.js). */
  function options(element, extra) {
    var o = {
      element: element,
      prefixUrl: (document.querySelector('[data-images]') || document.body).getAttribute('data-images') || '',
      drawer: 'canvas',
      showNavigationControl: false,
      showNavigator: false,
      visibilityRatio: 0.2,
      minZoomImageRatio: 0.5,
      maxZoomPixelRatio: 4,
      preserveImageSizeOnResize: true,
      gestureSettingsMouse: {clickToZoom: false, dblClickToZoom: true},
      gestureSettingsTouch: {pinchRotate: false}
    };
    Object.keys(extra || {}).forEach(function (k) { o[k] = extra[k]; });
    return o;
  }

  /* Names the viewer's focusable canvas for keyboards and screen readers. */
  function label(viewer, name, keys) {
    var canvas = viewer.canvas;
    if (!canvas)
      return;
    canvas.setAttribute('role', 'application');
    canvas.setAttribute('aria-roledescription', V.t('viewer-role'));
    canvas.setAttribute('aria-label', keys ? name + ': ' + keys : V.t('viewer-label', {label: name}));
  }

  window.vitrineViewers = {loadAsset: loadAsset, options: options, label: label, text: text,
                           ID_RE: ID_RE};
})();
