/* uv-page.js: static/uv.html's script. Opens ?manifest= (a manifest of this
 * site, open-in.js) in Universal Viewer 4 (window.UV from
 * vendor/universalviewer/umd/UV.js), in the language of ?lang= where UV
 * has it (open-in.js). */
(function () {
  'use strict';

  var stage = document.getElementById('uv');
  var open = window.vitrineOpenIn;

  /* The locales Universal Viewer 4.4 ships (its config's "localisation"):
   * no nl or de, whose pages get UV's English. */
  var UV_LOCALES = {cy: 'cy-GB', en: 'en-GB', fr: 'fr-FR', pl: 'pl-PL', sv: 'sv-SE'};

  if (!open)
    return;
  open.start(document.getElementById('uv-status'), 'Universal Viewer', function () {
    return window.UV && typeof window.UV.init === 'function';
  }, function (url, lang) {
    /* UV sizes itself from its element's style: the room under the bar. */
    var main = stage.parentNode;
    function fit() {
      var r = main.getBoundingClientRect();
      stage.style.width = Math.floor(r.width) + 'px';
      stage.style.height = Math.floor(r.height) + 'px';
    }
    fit();
    window.addEventListener('resize', fit);
    var data = {manifest: url.href, embedded: true};
    var locale = UV_LOCALES[(lang || '').split('-')[0]];
    if (locale)
      data.locales = [{name: locale}];
    var uv = window.UV.init('uv', data);
    uv.on('configure', function (args) {
      /* The viewer of this site only: no "embed" or "share" of another
       * site's page, no drag and drop of other manifests. */
      args.cb({options: {dropEnabled: false, termsOfUseEnabled: false},
               modules: {footerPanel: {options: {embedEnabled: false, shareEnabled: false}}}});
    });
    stage.setAttribute('aria-label', 'Universal Viewer');
  });
})();
