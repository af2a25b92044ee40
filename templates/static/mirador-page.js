/* mirador-page.js: static/mirador.html's script. Opens ?manifest= in
 * Mirador (window.Mirador from vendor/mirador/mirador.min.js), in the
 * language of ?lang= (Mirador's own menus too, its `language` setting;
 * open-in.js). Only a manifest of this site's own origin is opened
 * (open-in.js): the page is not an open viewer for any address someone
 * puts in a link. */
(function () {
  'use strict';

  var open = window.vitrineOpenIn;
  if (!open)
    return;
  open.start(document.getElementById('mirador-status'), 'Mirador', function () {
    return window.Mirador && typeof window.Mirador.viewer === 'function';
  }, function (url, lang) {
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
    if (lang)
      config.language = lang;
    window.Mirador.viewer(config);
  });
})();
