/* uv-page.js: static/uv.html's script. Opens ?manifest= (a manifest of this
 * site, open-in.js) in Universal Viewer 4 (window.UV from
 * vendor/universalviewer/umd/UV.js). */
(function () {
  'use strict';

  var status = document.getElementById('uv-status');
  var stage = document.getElementById('uv');

  function fail(text) {
    status.textContent = text;
    status.classList.add('mirador-status--error');
  }

  var url = window.vitrineOpenIn ? window.vitrineOpenIn.manifestParam() : null;
  if (!url) {
    fail('No manifest of this site to show: open Universal Viewer from an image, an intervention or your favourites.');
    return;
  }
  window.vitrineOpenIn.backLink(document.querySelector('.mirador-bar__back'));
  if (!window.UV || typeof window.UV.init !== 'function') {
    fail('Universal Viewer is not installed on this site. The IIIF manifest is at ' + url.href + '.');
    return;
  }
  /* UV sizes itself from its element's style: the room under the bar. */
  var main = stage.parentNode;
  function fit() {
    var r = main.getBoundingClientRect();
    stage.style.width = Math.floor(r.width) + 'px';
    stage.style.height = Math.floor(r.height) + 'px';
  }
  fit();
  window.addEventListener('resize', fit);
  var uv = window.UV.init('uv', {manifest: url.href, embedded: true});
  uv.on('configure', function (args) {
    /* The viewer of this site only: no "embed" or "share" of another
     * site's page, no drag and drop of other manifests. */
    args.cb({options: {dropEnabled: false, termsOfUseEnabled: false},
             modules: {footerPanel: {options: {embedEnabled: false, shareEnabled: false}}}});
  });
  stage.setAttribute('aria-label', 'Universal Viewer');
})();
