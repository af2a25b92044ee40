/* mirador-page.js: static/mirador.html's script. Opens ?manifest= in
 * Mirador (window.Mirador from vendor/mirador/mirador.min.js), in the
 * language of ?lang= (Mirador's own menus too, its `language` setting;
 * open-in.js). Only a manifest of this site's own origin is opened
 * (open-in.js): the page is not an open viewer for any address someone
 * puts in a link. */
(function () {
  'use strict';

  var status = document.getElementById('mirador-status');
  var back = document.querySelector('.mirador-bar__back');
  var V = window.vitrine;
  var open = window.vitrineOpenIn;

  function fail(text) {
    status.textContent = text;
    status.classList.add('mirador-status--error');
  }

  if (!V || !open)
    return;
  open.translate(function (lang) {
    /* A manifest file or a shared selection of this site (open-in.js). */
    var url = open.manifestParam();
    if (!url) {
      fail(V.t('vw-no-manifest', {name: 'Mirador'}));
      return;
    }
    open.backLink(back);
    if (!window.Mirador || typeof window.Mirador.viewer !== 'function') {
      fail(V.t('vw-not-installed', {name: 'Mirador', url: url.href}));
      return;
    }
    var config = {
      id: 'mirador',
      windows: [{manifestId: url.href}],
      window: {allowClose: false, allowMaximize: false, allowFullscreen: true,
               sideBarOpenByDefault: true, defaultSideBarPanel: 'info'},
      workspaceControlPanel: {enabled: false},
      workspace: {showZoomControls: true}
    };
    /* Mirador 4 has nl, fr, de and en among its translations; a language
     * it lacks falls back to its English. */
    lang = lang || open.language();
    if (lang)
      config.language = lang;
    window.Mirador.viewer(config);
  });
})();
