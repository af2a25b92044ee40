/* viewer.js: the deep-zoom viewer of an asset page.
 *
 * OpenSeadragon (static/vendor/openseadragon/, copied from npm by the
 * generator) opens the IIIF image service's info.json (data-info); for a
 * level-0 service (server=static) it uses the tiles listed there. Until it
 * has drawn, and whenever it cannot (no script, no vendor file, the image
 * server down), the page shows the thumbnail under it as a still image.
 *
 * The controls are our own <button>s rather than OpenSeadragon's, so that
 * they are reachable with the keyboard and named for screen readers; the
 * image itself takes the focus and OpenSeadragon's keys (arrows, + - 0). */
(function () {
  'use strict';

  var box = document.getElementById('viewer');
  if (!box)
    return;
  var section = box.closest('.viewer-section') || document;
  var fallback = box.querySelector('.viewer__fallback');
  var status = section.querySelector('.viewer__status');
  var controls = section.querySelector('.viewer-controls');
  var hint = section.querySelector('.viewer__hint');
  var info = window.vitrine ? window.vitrine.safeUrl(box.getAttribute('data-info')) : null;
  /* The page's texts (V.t), or their keys without vitrine.js. */
  var V = window.vitrine || {t: function (key) { return key; }};

  function say(text) {
    if (status)
      status.textContent = text;
  }

  if (typeof window.OpenSeadragon !== 'function' || !info) {
    say(V.t('viewer-unavailable'));
    return;
  }

  var stage = document.createElement('div');
  stage.className = 'viewer__stage';
  box.appendChild(stage);
  box.classList.add('is-loading');

  var viewer = window.OpenSeadragon({
    element: stage,
    tileSources: info,
    prefixUrl: box.getAttribute('data-images') || '',
    /* The canvas drawer draws tiles from an image server on another origin
     * without CORS headers; the WebGL one cannot use such "tainted" tiles. */
    drawer: 'canvas',
    showNavigationControl: false,
    showNavigator: false,
    visibilityRatio: 0.5,
    minZoomImageRatio: 0.8,
    maxZoomPixelRatio: 2,
    preserveImageSizeOnResize: true,
    gestureSettingsMouse: {clickToZoom: false, dblClickToZoom: true},
    gestureSettingsTouch: {pinchRotate: false}
  });

  /* Other scripts of the page draw over the image (annotations.js). */
  box.vitrineViewer = viewer;

  var failed = 0;

  viewer.addHandler('open', function () {
    box.classList.remove('is-loading');
    box.classList.add('is-open');
    if (fallback)
      fallback.hidden = true;
    if (controls)
      controls.hidden = false;
    if (hint)
      hint.hidden = false;
    say('');
    /* The image is the focus target of the keyboard controls. */
    var canvas = viewer.canvas;
    if (canvas) {
      canvas.setAttribute('role', 'application');
      canvas.setAttribute('aria-roledescription', V.t('viewer-role'));
      canvas.setAttribute('aria-label', V.t('viewer-label',
                                            {label: box.getAttribute('data-label') || V.t('image')}));
    }
  });

  viewer.addHandler('open-failed', function (event) {
    box.classList.remove('is-loading');
    stage.hidden = true;
    say(V.t('viewer-failed', {
      detail: event && event.message ? ' (' + String(event.message).slice(0, 200) + ')' : ''}));
  });

  viewer.addHandler('tile-load-failed', function () {
    failed++;
    if (failed === 3)
      say(V.t('viewer-tiles-failed'));
  });

  if (!controls)
    return;
  var fullButton = controls.querySelector('[data-action="full"]');
  viewer.addHandler('full-screen', function (event) {
    if (fullButton)
      fullButton.setAttribute('aria-pressed', event.fullScreen ? 'true' : 'false');
  });
  if (fullButton)
    fullButton.setAttribute('aria-pressed', 'false');

  controls.addEventListener('click', function (event) {
    var button = event.target.closest('button[data-action]');
    if (!button || !viewer.viewport)
      return;
    var viewport = viewer.viewport;
    switch (button.getAttribute('data-action')) {
    case 'zoom-in':
      viewport.zoomBy(1.5);
      viewport.applyConstraints();
      break;
    case 'zoom-out':
      viewport.zoomBy(1 / 1.5);
      viewport.applyConstraints();
      break;
    case 'home':
      viewport.goHome();
      break;
    case 'rotate':
      viewport.setRotation((viewport.getRotation() + 90) % 360);
      break;
    case 'full':
      viewer.setFullScreen(!viewer.isFullPage());
      break;
    default:
      break;
    }
  });
})();
