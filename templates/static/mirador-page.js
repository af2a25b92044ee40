/* mirador-page.js: static/mirador.html's script. Opens ?manifest= in
 * Mirador (window.Mirador from vendor/mirador/mirador.min.js). Only a
 * manifest of this site's own origin is opened (open-in.js): the page is
 * not an open viewer for any address someone puts in a link. */
(function () {
  'use strict';

  var status = document.getElementById('mirador-status');
  var back = document.querySelector('.mirador-bar__back');

  function fail(text) {
    status.textContent = text;
    status.classList.add('mirador-status--error');
  }

  /* A manifest file or a shared selection of this site (open-in.js). */
  var url = window.vitrineOpenIn ? window.vitrineOpenIn.manifestParam() : null;
  if (!url) {
    fail('No manifest of this site to show: open Mirador from an image or an intervention page.');
    return;
  }
  window.vitrineOpenIn.backLink(back);
  if (!window.Mirador || typeof window.Mirador.viewer !== 'function') {
    fail('Mirador is not installed on this site. The IIIF manifest is at ' + url.href + '.');
    return;
  }
  window.Mirador.viewer({
    id: 'mirador',
    windows: [{manifestId: url.href}],
    window: {allowClose: false, allowMaximize: false, allowFullscreen: true,
             sideBarOpenByDefault: true, defaultSideBarPanel: 'info'},
    workspaceControlPanel: {enabled: false},
    workspace: {showZoomControls: true}
  });
})();
