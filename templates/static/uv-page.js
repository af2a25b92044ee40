/* uv-page.js: static/uv.html's script. Opens ?manifest= (a manifest of this
 * site, open-in.js) in Universal Viewer 4 (window.UV from
 * vendor/universalviewer/umd/UV.js), in the language of ?lang= where UV
 * has it (open-in.js). */
(function () {
  'use strict';

  var status = document.getElementById('uv-status');
  var stage = document.getElementById('uv');
  var V = window.vitrine;
  var open = window.vitrineOpenIn;

  /* The locales Universal Viewer 4.4 ships (its config's "localisation"):
   * no nl or de, whose pages get UV's English. */
  var UV_LOCALES = {cy: 'cy-GB', en: 'en-GB', fr: 'fr-FR', pl: 'pl-PL', sv: 'sv-SE'};

  function fail(text) {
    status.textContent = text;
    status.classList.add('mirador-status--error');
  }

  if (!V || !open)
    return;
  open.translate(function (lang) {
    var url = open.manifestParam();
    if (!url) {
      fail(V.t('vw-no-manifest', {name: 'Universal Viewer'}));
      return;
    }
    open.backLink(document.querySelector('.mirador-bar__back'));
    if (!window.UV || typeof window.UV.init !== 'function') {
      fail(V.t('vw-not-installed', {name: 'Universal Viewer', url: url.href}));
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
    var data = {manifest: url.href, embedded: true};
    var locale = UV_LOCALES[(lang || open.language() || '').split('-')[0]];
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
