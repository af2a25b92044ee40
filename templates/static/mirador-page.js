/* mirador-page.js: static/mirador.html's script. Opens ?manifest= in
 * Mirador (window.Mirador from vendor/mirador/mirador.min.js). Only a
 * manifest of this site's own origin is opened: the page is not an open
 * viewer for any address someone puts in a link. */
(function () {
  'use strict';

  var status = document.getElementById('mirador-status');
  var back = document.querySelector('.mirador-bar__back');

  function fail(text) {
    status.textContent = text;
    status.classList.add('mirador-status--error');
  }

  var param = new URLSearchParams(location.search).get('manifest');
  var url = null;
  try {
    url = param ? new URL(param, location.href) : null;
  } catch (e) {
    url = null;
  }
  if (!url || url.origin !== location.origin || !/\.json$/.test(url.pathname)) {
    fail('No manifest of this site to show: open Mirador from an image or an intervention page.');
    return;
  }
  if (document.referrer) {
    try {
      var from = new URL(document.referrer);
      if (from.origin === location.origin)
        back.href = from.href;
    } catch (e) { /* keep the link to the home page */ }
  }
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
